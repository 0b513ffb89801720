package dev.crossnet.seal;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Our receiver indices and what they name: a pending initiation (its {@link Tunnel}) or a
 * {@link Session}. An index is {@code random 16 bits << 16 | slot}, so lookup is one array read and
 * an equality check, with no boxing on the packet path; the random half makes indices unguessable
 * off-path and never reused soon. Thread-safe; {@link #get} neither locks nor allocates.
 */
final class IndexTable {
    static final int SLOTS = 1 << 16;

    private final AtomicReferenceArray<Object> owners = new AtomicReferenceArray<>(SLOTS);
    private final AtomicIntegerArray indices = new AtomicIntegerArray(SLOTS);
    private final SecureRandom random = new SecureRandom();

    /** Reserves a fresh index for {@code owner}; throws when all slots are taken. */
    synchronized int allocate(Object owner) {
        int start = random.nextInt(SLOTS);
        for (int i = 0; i < SLOTS; i++) {
            int slot = (start + i) & (SLOTS - 1);
            if (owners.get(slot) == null) {
                int index = (random.nextInt(1 << 16) << 16) | slot;
                indices.set(slot, index);
                owners.set(slot, owner);
                return index;
            }
        }
        throw new IllegalStateException("all " + SLOTS + " session indices in use");
    }

    /** The owner of {@code index}, or null. */
    Object get(int index) {
        int slot = index & (SLOTS - 1);
        Object o = owners.get(slot);
        return o != null && indices.get(slot) == index ? o : null;
    }

    /** Replaces the owner of a reserved index (a pending handshake becoming a session). */
    synchronized void replace(int index, Object owner) {
        int slot = index & (SLOTS - 1);
        if (indices.get(slot) == index && owners.get(slot) != null) {
            owners.set(slot, owner);
        }
    }

    /** Frees {@code index} if {@code owner} still holds it. Idempotent. */
    synchronized void free(int index, Object owner) {
        int slot = index & (SLOTS - 1);
        if (indices.get(slot) == index && owners.get(slot) == owner) {
            owners.set(slot, null);
        }
    }

    /** Calls {@code visitor} with each (index, owner); for periodic cleanup, not the packet path. */
    void forEach(java.util.function.ObjIntConsumer<Object> visitor) {
        for (int slot = 0; slot < SLOTS; slot++) {
            Object o = owners.get(slot);
            if (o != null) {
                visitor.accept(o, indices.get(slot));
            }
        }
    }
}

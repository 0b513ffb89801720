package dev.crossnet.reconcile;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The last value computed purely from a collection of immutable records and a key: computed again
 * only when the key is not equal or one of the records is another object, in iteration order, than
 * last time. Records are compared by identity, which is cheap and exact for what the reconcile
 * inputs are: an unchanged lease is the same object from one pass to the next (any change in the
 * store, an event or a re-list, brings a new one), and so is an unchanged kernel listing (the
 * kernel package parses a tool's output again only when its text changed). This keeps the periodic
 * resync of 1000 peers from recomputing the desired state, the read state and their diff when
 * nothing changed; the kernel is still read on every pass, so anything deleted behind the agent's
 * back shows up as a new listing and is diffed and written back. Not thread-safe: one loop thread
 * owns it.
 *
 * @param <V> the computed value; immutable, since callers share it
 */
public final class Memo<V> {
    private List<Object> records;
    private Object key;
    private V value;

    /**
     * The value for {@code records} and {@code key}: the one remembered when neither changed, else
     * {@code compute}'s (remembered from then on).
     */
    public V get(Collection<?> records, Object key, Supplier<V> compute) {
        if (this.records == null || !Objects.equals(this.key, key) || !same(this.records, records)) {
            V v = compute.get();
            this.records = new ArrayList<>(records);
            this.key = key;
            this.value = v;
        }
        return value;
    }

    private static boolean same(List<Object> last, Collection<?> now) {
        if (last.size() != now.size()) {
            return false;
        }
        int i = 0;
        for (Object o : now) {
            if (o != last.get(i++)) {
                return false;
            }
        }
        return true;
    }
}

package dev.crossnet.model;

import inet.ipaddr.IPAddress;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * An immutable set of IPv4 addresses (without prefix) held as their 32 bits in one sorted array: 4
 * bytes an address, where a {@code TreeSet<IPAddress>} of them takes ~300 (entry, address, section,
 * caches), for the sets an agent keeps per peer (the PublicIPs the encapsulation port admits).
 * Iterates in address order, as a {@code TreeSet<IPAddress>} of the same addresses does, building
 * each address as it goes. Thread-safe.
 */
public final class Ipv4Set extends AbstractSet<IPAddress> {
    /** Each address's bits with the top bit flipped, distinct and ascending: signed order is address order. */
    private final int[] flipped;

    private Ipv4Set(int[] flipped) {
        this.flipped = flipped;
    }

    /**
     * The set of {@code addresses}, each an IPv4 address (its prefix, if any, is dropped).
     *
     * @throws IllegalArgumentException when one is not a single IPv4 address
     */
    public static Ipv4Set of(Iterable<IPAddress> addresses) {
        int[] all = new int[8];
        int n = 0;
        for (IPAddress a : addresses) {
            Integer b = bitsOf(a);
            if (b == null) {
                throw new IllegalArgumentException(a + " is not one IPv4 address");
            }
            if (n == all.length) {
                all = Arrays.copyOf(all, n * 2);
            }
            all[n++] = b ^ Integer.MIN_VALUE; // signed order of the flipped values is the unsigned order
        }
        Arrays.sort(all, 0, n);
        int distinct = 0;
        for (int i = 0; i < n; i++) {
            if (distinct == 0 || all[i] != all[distinct - 1]) {
                all[distinct++] = all[i];
            }
        }
        return new Ipv4Set(Arrays.copyOf(all, distinct));
    }

    private static Integer bitsOf(Object o) {
        if (!(o instanceof IPAddress a)) {
            return null;
        }
        IPAddress bare = a.withoutPrefixLength();
        return bare.isIPv4() && !bare.isMultiple() ? bare.toIPv4().intValue() : null;
    }

    @Override
    public boolean contains(Object o) {
        Integer b = bitsOf(o);
        return b != null && Arrays.binarySearch(flipped, b ^ Integer.MIN_VALUE) >= 0;
    }

    @Override
    public Iterator<IPAddress> iterator() {
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < flipped.length;
            }

            @Override
            public IPAddress next() {
                if (next >= flipped.length) {
                    throw new NoSuchElementException();
                }
                return Addresses.ipv4(flipped[next++] ^ Integer.MIN_VALUE);
            }
        };
    }

    @Override
    public int size() {
        return flipped.length;
    }
}

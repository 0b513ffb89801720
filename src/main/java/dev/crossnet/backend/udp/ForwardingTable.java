package dev.crossnet.backend.udp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * An immutable map from peer subnets to peers, with longest-prefix lookup of an inner address and
 * exact lookup of a UDP endpoint. Lookups are binary searches over sorted primitive arrays: no
 * locking, no allocation, safe from any number of threads. The datapath swaps whole tables, so a
 * reader sees either the old or the new one, never a mix.
 */
final class ForwardingTable {

    static final ForwardingTable EMPTY = of(List.of());

    private final Peer[] peers; // by prefix length descending, then network ascending (unsigned)
    private final int[] networks; // peers[i].network
    private final int[] groupPrefix; // distinct prefix lengths, descending
    private final int[] groupStart; // index of each group's first peer; one extra entry = peers.length
    private final long[] endpoints; // sorted, distinct
    private final Peer[] byEndpoint; // the first peer (in peers order) with endpoints[i]

    private ForwardingTable(Peer[] peers) {
        this.peers = peers;
        this.networks = new int[peers.length];
        List<Integer> prefixes = new ArrayList<>();
        List<Integer> starts = new ArrayList<>();
        for (int i = 0; i < peers.length; i++) {
            networks[i] = peers[i].network;
            if (i == 0 || peers[i].prefixLength != peers[i - 1].prefixLength) {
                prefixes.add(peers[i].prefixLength);
                starts.add(i);
            }
        }
        starts.add(peers.length);
        this.groupPrefix = prefixes.stream().mapToInt(Integer::intValue).toArray();
        this.groupStart = starts.stream().mapToInt(Integer::intValue).toArray();
        long[] eps = Arrays.stream(peers).mapToLong(p -> p.endpoint).distinct().sorted().toArray();
        this.endpoints = eps;
        this.byEndpoint = new Peer[eps.length];
        for (Peer p : peers) {
            int k = Arrays.binarySearch(eps, p.endpoint);
            if (byEndpoint[k] == null) {
                byEndpoint[k] = p;
            }
        }
    }

    /**
     * Builds a table. When two peers claim the same subnet the later one in iteration order wins
     * (leases are unique per subnet, so this only happens with a corrupt snapshot).
     */
    static ForwardingTable of(Collection<Peer> entries) {
        Comparator<Peer> order = Comparator.<Peer>comparingInt(p -> -p.prefixLength)
                .thenComparing(p -> p.network, Integer::compareUnsigned);
        List<Peer> sorted = new ArrayList<>();
        for (Peer p : entries) {
            sorted.removeIf(q -> q.prefixLength == p.prefixLength && q.network == p.network);
            sorted.add(p);
        }
        sorted.sort(order);
        return new ForwardingTable(sorted.toArray(new Peer[0]));
    }

    /** The peer whose subnet holds {@code address} with the longest prefix, or null. */
    Peer lookup(int address) {
        for (int g = 0; g < groupPrefix.length; g++) {
            int prefix = groupPrefix[g];
            int key = prefix == 0 ? 0 : address & (-1 << (32 - prefix));
            int i = unsignedSearch(networks, groupStart[g], groupStart[g + 1], key);
            if (i >= 0) {
                return peers[i];
            }
        }
        return null;
    }

    /** A peer served by {@code endpoint}, or null when no current peer uses it. */
    Peer byEndpoint(long endpoint) {
        int k = Arrays.binarySearch(endpoints, endpoint);
        return k >= 0 ? byEndpoint[k] : null;
    }

    /** The entries, longest prefix first. */
    List<Peer> peers() {
        return List.of(peers);
    }

    int size() {
        return peers.length;
    }

    private static int unsignedSearch(int[] a, int from, int to, int key) {
        int lo = from;
        int hi = to - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = Integer.compareUnsigned(a[mid], key);
            if (c < 0) {
                lo = mid + 1;
            } else if (c > 0) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -1;
    }
}

package dev.crossnet.docker.sealed;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;

/**
 * One encrypted network's endpoints on other hosts, as the encrypted datapath switches by them: by
 * MAC (where a unicast frame goes, and who may send from it) and by IPv4 address (whose ARP
 * requests are answered here). The analogue of a vxlan device's FDB and permanent neighbours.
 * Immutable; lookups allocate nothing.
 */
public final class FrameTable {
    /**
     * An endpoint on another host: its host (as the store names it) and that host's underlay IPv4
     * address, the endpoint's IPv4 address and MAC; addresses as integers.
     */
    public record Remote(String host, int hostIp, int ip, long mac) {
    }

    public static final FrameTable EMPTY = of(List.of());

    // Open addressing with linear probing over primitive keys: a lookup per frame allocates nothing.
    private final long[] macKeys;
    private final Remote[] byMac;
    private final int[] ipKeys;
    private final Remote[] byIp;
    private final int mask;
    private final List<Remote> remotes;

    private FrameTable(int capacity) {
        macKeys = new long[capacity];
        byMac = new Remote[capacity];
        ipKeys = new int[capacity];
        byIp = new Remote[capacity];
        mask = capacity - 1;
        remotes = new ArrayList<>();
    }

    /**
     * The table of {@code remotes}; the caller has checked them (unique MACs and addresses, none of
     * this host). A later duplicate replaces an earlier one.
     */
    public static FrameTable of(Collection<Remote> remotes) {
        int capacity = Integer.highestOneBit(Math.max(4, remotes.size() * 2) - 1) << 1; // a power of two, at most half full
        FrameTable t = new FrameTable(capacity);
        for (Remote r : remotes) {
            int m = t.macSlot(r.mac());
            if (t.byMac[m] != null) {
                t.remotes.remove(t.byMac[m]);
            }
            t.macKeys[m] = r.mac();
            t.byMac[m] = r;
            t.remotes.add(r);
            int i = t.ipSlot(r.ip());
            t.ipKeys[i] = r.ip();
            t.byIp[i] = r;
        }
        return t;
    }

    /** The endpoint with MAC address {@code mac}, or null. */
    public Remote byMac(long mac) {
        return byMac[macSlot(mac)];
    }

    /** The endpoint with IPv4 address {@code ip}, or null. */
    public Remote byIp(int ip) {
        return byIp[ipSlot(ip)];
    }

    public Collection<Remote> remotes() {
        return Collections.unmodifiableList(remotes);
    }

    /** The slot holding {@code mac}, or the empty slot where it would go. */
    private int macSlot(long mac) {
        int i = (int) ((mac * 0x9E3779B97F4A7C15L) >>> 32) & mask;
        while (byMac[i] != null && macKeys[i] != mac) {
            i = (i + 1) & mask;
        }
        return i;
    }

    private int ipSlot(int ip) {
        int i = (ip * 0x9E3779B9) >>> 16 & mask;
        while (byIp[i] != null && ipKeys[i] != ip) {
            i = (i + 1) & mask;
        }
        return i;
    }

    /** {@code 02:42:c0:a8:64:04} as the low 48 bits of a long. */
    public static long mac(String text) {
        String hex = text.replace(":", "");
        if (hex.length() != 12) {
            throw new IllegalArgumentException("not a MAC address: " + text);
        }
        return Long.parseLong(hex, 16);
    }
}

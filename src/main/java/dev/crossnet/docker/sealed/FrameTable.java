package dev.crossnet.docker.sealed;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * One encrypted network's endpoints on other hosts, as the encrypted datapath switches by them: by
 * MAC (where a unicast frame goes, and who may send from it) and by IPv4 address (whose ARP
 * requests are answered here). The analogue of a vxlan device's FDB and permanent neighbours.
 * Immutable; lookups allocate nothing but a boxed key.
 */
public final class FrameTable {
    /**
     * An endpoint on another host: its host (as the store names it) and that host's underlay IPv4
     * address, the endpoint's IPv4 address and MAC; addresses as integers.
     */
    public record Remote(String host, int hostIp, int ip, long mac) {
    }

    public static final FrameTable EMPTY = new FrameTable(Map.of(), Map.of());

    private final Map<Long, Remote> byMac;
    private final Map<Integer, Remote> byIp;

    private FrameTable(Map<Long, Remote> byMac, Map<Integer, Remote> byIp) {
        this.byMac = byMac;
        this.byIp = byIp;
    }

    /**
     * The table of {@code remotes}; the caller has checked them (unique MACs and addresses, none of
     * this host). A later duplicate replaces an earlier one.
     */
    public static FrameTable of(Collection<Remote> remotes) {
        Map<Long, Remote> mac = new HashMap<>();
        Map<Integer, Remote> ip = new HashMap<>();
        for (Remote r : remotes) {
            mac.put(r.mac(), r);
            ip.put(r.ip(), r);
        }
        return new FrameTable(Map.copyOf(mac), Map.copyOf(ip));
    }

    public Remote byMac(long mac) {
        return byMac.get(mac);
    }

    public Remote byIp(int ip) {
        return byIp.get(ip);
    }

    public Collection<Remote> remotes() {
        return byMac.values();
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

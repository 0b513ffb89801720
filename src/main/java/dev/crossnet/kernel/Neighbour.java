package dev.crossnet.kernel;

import inet.ipaddr.IPAddress;
import java.util.Objects;

/**
 * A permanent neighbour (ARP) entry, keyed by {@code (dev, ip)}. Immutable value (equality over all
 * three fields); the address and MAC are held as numbers ({@link CompactIp}, {@link Checks#macBits}),
 * since an agent keeps two per peer.
 */
public final class Neighbour {
    private final int ip;
    private final IPAddress ipOther;
    private final long mac;
    private final String dev;

    /**
     * @param ip  e.g. {@code 10.5.2.0}
     * @param mac e.g. {@code 0a:11:22:33:44:55}, in either case
     * @param dev e.g. {@code crossnet.1}
     * @throws IllegalArgumentException when a field is missing or malformed
     */
    public Neighbour(IPAddress ip, String mac, String dev) {
        this.ip = CompactIp.bits(Checks.required("neighbour ip", ip));
        this.ipOther = CompactIp.other(ip);
        this.mac = Checks.macBits("neighbour mac", mac);
        this.dev = Checks.ifname("neighbour dev", dev).intern();
    }

    /** The address, without prefix: a new object on each call for IPv4. */
    public IPAddress ip() {
        return CompactIp.address(ip, ipOther);
    }

    /** Lower-case, e.g. {@code 0a:11:22:33:44:55}. */
    public String mac() {
        return Checks.macText(mac);
    }

    public String dev() {
        return dev;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Neighbour n && n.ip == ip && Objects.equals(n.ipOther, ipOther) && n.mac == mac && n.dev.equals(dev);
    }

    @Override
    public int hashCode() {
        return ((ip * 31 + Objects.hashCode(ipOther)) * 31 + Long.hashCode(mac)) * 31 + dev.hashCode();
    }

    @Override
    public String toString() {
        return CompactIp.text(ip, ipOther) + " lladdr " + mac() + " dev " + dev;
    }
}

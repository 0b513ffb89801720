package dev.crossnet.kernel;

import inet.ipaddr.IPAddress;
import java.util.Objects;

/**
 * A permanent forwarding-database entry of a vxlan device: frames for {@code mac} are sent in UDP to
 * {@code dst}. Keyed by {@code (dev, mac)}; replacing an entry moves the MAC to a new {@code dst}.
 * Immutable value (equality over all three fields); the MAC and address are held as numbers ({@link
 * Checks#macBits}, {@link CompactIp}), since an agent keeps two per peer.
 */
public final class FdbEntry {
    private final long mac;
    private final int dst;
    private final IPAddress dstOther;
    private final String dev;

    /**
     * @param mac unicast MAC, e.g. {@code 0a:11:22:33:44:55}, in either case
     * @param dst the remote VTEP's underlay address, e.g. {@code 192.168.1.3}
     * @param dev the vxlan device, e.g. {@code crossnet.1}
     * @throws IllegalArgumentException when a field is missing or malformed
     */
    public FdbEntry(String mac, IPAddress dst, String dev) {
        this.mac = Checks.macBits("fdb mac", mac);
        this.dst = CompactIp.bits(Checks.required("fdb dst", dst));
        this.dstOther = CompactIp.other(dst);
        this.dev = Checks.ifname("fdb dev", dev).intern();
    }

    /** Lower-case, e.g. {@code 0a:11:22:33:44:55}. */
    public String mac() {
        return Checks.macText(mac);
    }

    /** The remote VTEP's address, without prefix: a new object on each call for IPv4. */
    public IPAddress dst() {
        return CompactIp.address(dst, dstOther);
    }

    public String dev() {
        return dev;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FdbEntry e && e.mac == mac && e.dst == dst && Objects.equals(e.dstOther, dstOther) && e.dev.equals(dev);
    }

    @Override
    public int hashCode() {
        return ((Long.hashCode(mac) * 31 + dst) * 31 + Objects.hashCode(dstOther)) * 31 + dev.hashCode();
    }

    @Override
    public String toString() {
        return mac() + " dev " + dev + " dst " + CompactIp.text(dst, dstOther);
    }
}

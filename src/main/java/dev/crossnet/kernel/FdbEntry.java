package dev.crossnet.kernel;

import inet.ipaddr.IPAddress;

/**
 * A permanent forwarding-database entry of a vxlan device: frames for {@code mac} are sent in UDP to
 * {@code dst}. Keyed by {@code (dev, mac)}; replacing an entry moves the MAC to a new {@code dst}.
 *
 * @param mac lower-case unicast MAC, e.g. {@code 0a:11:22:33:44:55}
 * @param dst the remote VTEP's underlay address, e.g. {@code 192.168.1.3}
 * @param dev the vxlan device, e.g. {@code crossnet.1}
 */
public record FdbEntry(String mac, IPAddress dst, String dev) {

    public FdbEntry {
        mac = Checks.mac("fdb mac", mac);
        dst = Checks.required("fdb dst", dst).withoutPrefixLength();
        Checks.ifname("fdb dev", dev);
    }

    @Override
    public String toString() {
        return mac + " dev " + dev + " dst " + dst.toCanonicalString();
    }
}

package dev.crossnet.kernel;

import inet.ipaddr.IPAddress;

/**
 * A permanent neighbour (ARP) entry, keyed by {@code (dev, ip)}.
 *
 * @param ip  e.g. {@code 10.5.2.0}
 * @param mac lower-case, e.g. {@code 0a:11:22:33:44:55}
 * @param dev e.g. {@code crossnet.1}
 */
public record Neighbour(IPAddress ip, String mac, String dev) {

    public Neighbour {
        ip = Checks.required("neighbour ip", ip).withoutPrefixLength();
        mac = Checks.mac("neighbour mac", mac);
        Checks.ifname("neighbour dev", dev);
    }

    @Override
    public String toString() {
        return ip.toCanonicalString() + " lladdr " + mac + " dev " + dev;
    }
}

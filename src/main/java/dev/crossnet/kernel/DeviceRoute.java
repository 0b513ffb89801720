package dev.crossnet.kernel;

import dev.crossnet.model.Subnet;
import inet.ipaddr.IPAddress;

/**
 * A route in the main table with no gateway: everything for {@link #dst()} leaves by {@link #dev()},
 * and what this host itself sends that way has {@link #src()} as its source address. The udp
 * backend routes its whole network into its TUN device so. Keyed by {@link #dst()}, as the kernel
 * keeps one route per destination (at the default metric).
 *
 * @param dst destination block, e.g. {@code 10.5.0.0/16}
 * @param dev outgoing device, e.g. {@code crossnet0}
 * @param src preferred source address, e.g. {@code 10.5.1.0}; never null
 */
public record DeviceRoute(Subnet dst, String dev, IPAddress src) {

    public DeviceRoute {
        Checks.required("route dst", dst);
        Checks.ifname("route dev", dev);
        src = Checks.required("route src", src).withoutPrefixLength();
    }

    @Override
    public String toString() {
        return dst + " dev " + dev + " src " + src.toCanonicalString();
    }
}

package dev.crossnet.kernel;

import dev.crossnet.model.Subnet;
import inet.ipaddr.IPAddress;

/**
 * A unicast route in the main table, as crossnet creates it (always with protocol {@link
 * Kernel#ROUTE_PROTOCOL}). Routes are keyed by {@link #dst()}: the kernel keeps one per destination
 * (at the default metric), so replacing a route with a new gateway replaces the old one.
 *
 * @param dst    destination block, e.g. {@code 10.5.2.0/24}
 * @param via    gateway, e.g. {@code 10.5.2.0}; never null (crossnet has no device-only routes)
 * @param dev    outgoing device, e.g. {@code crossnet.1}
 * @param onlink whether the gateway is taken as on-link without a covering connected route
 */
public record Route(Subnet dst, IPAddress via, String dev, boolean onlink) {

    public Route {
        Checks.required("route dst", dst);
        via = Checks.required("route via", via).withoutPrefixLength();
        Checks.ifname("route dev", dev);
    }

    @Override
    public String toString() {
        return dst + " via " + via.toCanonicalString() + " dev " + dev + (onlink ? " onlink" : "");
    }
}

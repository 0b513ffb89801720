package dev.crossnet.kernel;

import dev.crossnet.model.Subnet;
import inet.ipaddr.IPAddress;
import java.util.Objects;

/**
 * A unicast route in the main table, as crossnet creates it (always with protocol {@link
 * Kernel#ROUTE_PROTOCOL}). Routes are keyed by {@link #dst()}: the kernel keeps one per destination
 * (at the default metric), so replacing a route with a new gateway replaces the old one. Immutable
 * value (equality over all four fields); an IPv4 gateway is held as its 32 bits ({@link CompactIp}),
 * since an agent keeps two per peer.
 */
public final class Route {
    private final Subnet dst;
    private final int via;
    private final IPAddress viaOther;
    private final String dev;
    private final boolean onlink;

    /**
     * @param dst    destination block, e.g. {@code 10.5.2.0/24}
     * @param via    gateway, e.g. {@code 10.5.2.0}; never null (crossnet has no device-only routes)
     * @param dev    outgoing device, e.g. {@code crossnet.1}
     * @param onlink whether the gateway is taken as on-link without a covering connected route
     * @throws IllegalArgumentException when a field is missing or {@code dev} is not an interface name
     */
    public Route(Subnet dst, IPAddress via, String dev, boolean onlink) {
        this.dst = Checks.required("route dst", dst);
        this.via = CompactIp.bits(Checks.required("route via", via));
        this.viaOther = CompactIp.other(via);
        this.dev = Checks.ifname("route dev", dev).intern();
        this.onlink = onlink;
    }

    public Subnet dst() {
        return dst;
    }

    /** The gateway, without prefix: a new object on each call for IPv4. */
    public IPAddress via() {
        return CompactIp.address(via, viaOther);
    }

    public String dev() {
        return dev;
    }

    public boolean onlink() {
        return onlink;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Route r && r.dst.equals(dst) && r.via == via && Objects.equals(r.viaOther, viaOther) && r.dev.equals(dev) && r.onlink == onlink;
    }

    @Override
    public int hashCode() {
        return ((dst.hashCode() * 31 + via) * 31 + Objects.hashCode(viaOther)) * 31 + dev.hashCode() * 2 + (onlink ? 1 : 0);
    }

    @Override
    public String toString() {
        return dst + " via " + CompactIp.text(via, viaOther) + " dev " + dev + (onlink ? " onlink" : "");
    }
}

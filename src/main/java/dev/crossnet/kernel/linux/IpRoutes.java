package dev.crossnet.kernel.linux;

import dev.crossnet.kernel.DeviceRoute;
import dev.crossnet.kernel.Kernel;
import dev.crossnet.kernel.Route;
import dev.crossnet.kernel.Routes;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.List;

/**
 * {@link Routes}: read with an rtnetlink dump of the IPv4 routes ({@link RtnlRoutes}), written with
 * {@code ip [-force] -batch -}. Thread-safe.
 */
final class IpRoutes implements Routes {

    private final Commands commands;
    private final NetlinkSocket netlink;
    private final ParseCache<ByteBuffer, List<Route>> parsed = new ParseCache<>();

    IpRoutes(Commands commands, NetlinkSocket netlink) {
        this.commands = commands;
        this.netlink = netlink;
    }

    /** An unchanged table (the same routes, gateways and devices) gives the same list object as last time. */
    @Override
    public List<Route> listOwned() {
        ByteBuffer reply = netlink.request(RtnlRoutes.dumpRequest(), "list routes");
        return parsed.parse("main", RtnlRoutes.owned(reply, i -> RtnlLinks.name(netlink, i)), RtnlRoutes::decode);
    }

    @Override
    public void replaceRoutes(Collection<Route> routes) {
        Batch.applyEach(commands, "ip", "replace routes", routes.stream()
                .map(rt -> "route replace " + spec(rt) + (rt.onlink() ? " onlink" : "")).toList());
    }

    @Override
    public void deleteRoutesIfPresent(Collection<Route> routes) {
        Batch.applyDeletes(commands, "ip", "delete routes", routes.stream().map(rt -> "route del " + spec(rt)).toList());
    }

    @Override
    public void ensureDeviceRoute(DeviceRoute route) {
        ByteBuffer reply = netlink.request(RtnlRoutes.dumpRequest(), "read the route to " + route.dst());
        if (RtnlRoutes.hasDeviceRoute(reply, route, i -> RtnlLinks.name(netlink, i))) {
            return;
        }
        Batch.applySteps(commands, "ip", "replace route " + route, List.of("route replace " + route.dst()
                + " dev " + route.dev() + " src " + route.src().toCanonicalString() + " proto " + Kernel.ROUTE_PROTOCOL));
    }

    private static String spec(Route r) {
        return r.dst() + " via " + r.via().toCanonicalString() + " dev " + r.dev() + " proto " + Kernel.ROUTE_PROTOCOL;
    }
}

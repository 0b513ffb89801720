package dev.crossnet.kernel.linux;

import dev.crossnet.CrossnetException;
import dev.crossnet.kernel.DeviceRoute;
import dev.crossnet.kernel.Kernel;
import dev.crossnet.kernel.Route;
import dev.crossnet.kernel.Routes;
import java.util.Collection;
import java.util.List;

/** {@link Routes} with {@code ip -j route show} and {@code ip [-force] -batch -}. Thread-safe. */
final class IpRoutes implements Routes {

    private final Commands commands;
    private final ParseCache<List<Route>> parsed = new ParseCache<>();

    IpRoutes(Commands commands) {
        this.commands = commands;
    }

    @Override
    public List<Route> listOwned() {
        Commands.Result r = commands.ip(null, "-j", "route", "show", "table", "main",
                "proto", Integer.toString(Kernel.ROUTE_PROTOCOL));
        if (r.exitCode() != 0) {
            throw new CrossnetException("cannot list routes: " + r.stderr().trim());
        }
        return parsed.parse("main", r.stdout(), out -> List.copyOf(IpJson.routes(out)));
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
        Commands.Result r = commands.ip(null, "-j", "route", "show", "exact", route.dst().toString(), "table", "main");
        if (r.exitCode() != 0) {
            throw new CrossnetException("cannot read the route to " + route.dst() + ": " + r.stderr().trim());
        }
        if (IpJson.hasDeviceRoute(r.stdout(), route)) {
            return;
        }
        Batch.applySteps(commands, "ip", "replace route " + route, List.of("route replace " + route.dst()
                + " dev " + route.dev() + " src " + route.src().toCanonicalString() + " proto " + Kernel.ROUTE_PROTOCOL));
    }

    private static String spec(Route r) {
        return r.dst() + " via " + r.via().toCanonicalString() + " dev " + r.dev() + " proto " + Kernel.ROUTE_PROTOCOL;
    }
}

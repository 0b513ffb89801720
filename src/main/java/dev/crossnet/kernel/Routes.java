package dev.crossnet.kernel;

import java.util.Collection;
import java.util.List;

/**
 * Routes in the main table. Blocking; each call with many routes is one batch to the kernel.
 * Only routes with protocol {@link Kernel#ROUTE_PROTOCOL} are crossnet's; others are never listed
 * or deleted here.
 */
public interface Routes {

    /** The main table's routes with protocol {@link Kernel#ROUTE_PROTOCOL}. */
    List<Route> listOwned();

    /**
     * Adds each route, or replaces the route to the same destination (also a foreign one, as
     * {@code ip route replace} does), tagging it with protocol {@link Kernel#ROUTE_PROTOCOL}. Idempotent.
     * Each route is tried on its own: when the kernel refuses some (a gateway it will not take), the
     * others are still written and the exception names the refused ones.
     */
    void replaceRoutes(Collection<Route> routes);

    /** Deletes each route that exists with crossnet's protocol; absent ones are skipped. Idempotent. */
    void deleteRoutesIfPresent(Collection<Route> routes);

    /**
     * Makes the main table's route to {@code route.dst()} exactly {@code route} (its device and
     * source, protocol {@link Kernel#ROUTE_PROTOCOL}), replacing any other route to that
     * destination, a foreign one too, as {@code ip route replace} does. Reads first and writes
     * nothing when the route already is so. Idempotent.
     *
     * @throws dev.crossnet.CrossnetException naming the route and the kernel's error (e.g. the device
     *         does not exist or is down)
     */
    void ensureDeviceRoute(DeviceRoute route);
}

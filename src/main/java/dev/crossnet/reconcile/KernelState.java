package dev.crossnet.reconcile;

import dev.crossnet.kernel.FdbEntry;
import dev.crossnet.kernel.Neighbour;
import dev.crossnet.kernel.Route;
import java.util.Set;

/**
 * The crossnet-owned part of a host's kernel state that backends manage per peer: what a backend
 * wants (computed purely from the peers) or what the kernel has (read back). Immutable.
 */
public record KernelState(Set<Route> routes, Set<Neighbour> neighbours, Set<FdbEntry> fdb) {

    public static final KernelState EMPTY = new KernelState(Set.of(), Set.of(), Set.of());

    public KernelState {
        routes = Set.copyOf(routes);
        neighbours = Set.copyOf(neighbours);
        fdb = Set.copyOf(fdb);
    }
}

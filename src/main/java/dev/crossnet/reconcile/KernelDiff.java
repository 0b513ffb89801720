package dev.crossnet.reconcile;

import dev.crossnet.kernel.FdbEntry;
import dev.crossnet.kernel.Neighbour;
import dev.crossnet.kernel.Route;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What to write and what to delete to turn an actual {@link KernelState} into a desired one. Pure;
 * {@link KernelWriter} writes it, in the order of the package documentation.
 *
 * <p>Entries are matched by the kernel's own key: a route by destination, a neighbour by
 * (device, IP), an FDB entry by (device, MAC). An entry whose key is wanted but whose value differs
 * is replaced in place (never deleted first, so traffic does not stop); an entry whose key is not
 * wanted any more is deleted. Every list is sorted by text, so batches read the same each run.
 */
public record KernelDiff(List<Route> replaceRoutes, List<Route> deleteRoutes,
                         List<Neighbour> replaceNeighbours, List<Neighbour> deleteNeighbours,
                         List<FdbEntry> replaceFdb, List<FdbEntry> deleteFdb) {

    public static KernelDiff between(KernelState desired, KernelState actual) {
        return new KernelDiff(
                missing(desired.routes(), actual.routes()),
                stale(desired.routes(), actual.routes(), Route::dst),
                missing(desired.neighbours(), actual.neighbours()),
                stale(desired.neighbours(), actual.neighbours(), n -> List.of(n.dev(), n.ip())),
                missing(desired.fdb(), actual.fdb()),
                stale(desired.fdb(), actual.fdb(), e -> List.of(e.dev(), e.mac())));
    }

    public boolean isEmpty() {
        return replaceRoutes.isEmpty() && deleteRoutes.isEmpty() && replaceNeighbours.isEmpty()
                && deleteNeighbours.isEmpty() && replaceFdb.isEmpty() && deleteFdb.isEmpty();
    }

    private static <T> List<T> missing(Set<T> desired, Set<T> actual) {
        return sorted(desired.stream().filter(d -> !actual.contains(d)).toList());
    }

    private static <T> List<T> stale(Set<T> desired, Set<T> actual, Function<T, Object> key) {
        Set<Object> wanted = desired.stream().map(key).collect(Collectors.toSet());
        return sorted(actual.stream().filter(a -> !wanted.contains(key.apply(a))).toList());
    }

    private static <T> List<T> sorted(List<T> l) {
        List<T> s = new ArrayList<>(l);
        s.sort((a, b) -> a.toString().compareTo(b.toString()));
        return List.copyOf(s);
    }
}

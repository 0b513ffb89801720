package dev.crossnet.backend;

import dev.crossnet.CrossnetException;
import dev.crossnet.kernel.FdbEntry;
import dev.crossnet.kernel.Kernel;
import dev.crossnet.kernel.Neighbour;
import dev.crossnet.kernel.PartlyAppliedException;
import dev.crossnet.kernel.Route;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What to write and what to delete to turn an actual {@link KernelState} into a desired one. Pure;
 * {@link #apply} is the only method that touches the kernel.
 *
 * <p>Entries are matched by the kernel's own key: a route by destination, a neighbour by
 * (device, IP), an FDB entry by (device, MAC). An entry whose key is wanted but whose value differs
 * is replaced in place (never deleted first, so traffic does not stop); an entry whose key is not
 * wanted any more is deleted.
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

    /**
     * Writes the diff, one batch per object type. Order, as flannel's vxlan backend: the neighbour
     * and FDB entry exist before the route that leads packets to them; a route goes before the
     * entries it used. A batch the kernel refuses in part (one line: a bad gateway, a device that
     * went away) does not stop the batches after it: the deletes of dead peers still happen.
     *
     * @return one sentence per line the kernel refused (or per batch that failed as a whole); empty when all went in
     */
    public List<String> apply(Kernel kernel) {
        List<String> failed = new ArrayList<>();
        attempt(failed, () -> kernel.neighbours().replaceNeighbours(replaceNeighbours));
        attempt(failed, () -> kernel.fdb().replaceFdbEntries(replaceFdb));
        attempt(failed, () -> kernel.routes().replaceRoutes(replaceRoutes));
        attempt(failed, () -> kernel.routes().deleteRoutesIfPresent(deleteRoutes));
        attempt(failed, () -> kernel.neighbours().deleteNeighboursIfPresent(deleteNeighbours));
        attempt(failed, () -> kernel.fdb().deleteFdbEntriesIfPresent(deleteFdb));
        return failed;
    }

    private static void attempt(List<String> failed, Runnable batch) {
        try {
            batch.run();
        } catch (CrossnetException e) {
            failed.addAll(PartlyAppliedException.sentences(e));
        }
    }

    private static <T> List<T> missing(Set<T> desired, Set<T> actual) {
        return sorted(desired.stream().filter(d -> !actual.contains(d)).toList());
    }

    private static <T> List<T> stale(Set<T> desired, Set<T> actual, Function<T, Object> key) {
        Set<Object> wanted = desired.stream().map(key).collect(Collectors.toSet());
        return sorted(actual.stream().filter(a -> !wanted.contains(key.apply(a))).toList());
    }

    /** Stable order, so batches and test output read the same each run. */
    private static <T> List<T> sorted(List<T> l) {
        List<T> s = new ArrayList<>(l);
        s.sort((a, b) -> a.toString().compareTo(b.toString()));
        return List.copyOf(s);
    }
}

package dev.crossnet.reconcile;

import dev.crossnet.Backoff;
import dev.crossnet.CrossnetException;
import dev.crossnet.ProblemLog;
import dev.crossnet.kernel.FdbEntry;
import dev.crossnet.kernel.Kernel;
import dev.crossnet.kernel.Neighbour;
import dev.crossnet.kernel.PartlyAppliedException;
import dev.crossnet.kernel.Route;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * Writes a {@link KernelDiff} for one owner (a backend's peers, one Docker network's device), in the
 * order and with the per-object failure handling of the package documentation: an object the kernel
 * refuses is found by reading the kernel back after the batch, counted, logged once per change and
 * left out of the writes until its {@link Backoff} (from {@link #RETRY_MIN}, doubling, up to {@link
 * #RETRY_MAX}) is over; the other objects of its batch and every later batch are written. An object
 * that is no longer wanted, or that changed, starts afresh. Not thread-safe: one loop thread owns it.
 */
public final class KernelWriter implements AutoCloseable {
    /** The first retry of a refused object. */
    public static final Duration RETRY_MIN = Duration.ofSeconds(1);
    /** The longest wait between two tries of a refused object: the agent's default resync interval. */
    public static final Duration RETRY_MAX = Duration.ofSeconds(5);

    private final Kernel kernel;
    private final ProblemLog problems;
    private final Clock clock;
    private final Runnable onFailure;
    /** Objects whose last write failed, by (verb, entry), with the kernel's sentences and when to retry. */
    private final Map<List<Object>, Failure> failing = new LinkedHashMap<>();
    /** The last diff: a resync where neither the desired nor the read state is a new object diffs nothing. */
    private final Memo<KernelDiff> diffs = new Memo<>();

    /**
     * @param log       where failures and skipped records go (once per change)
     * @param what      a prefix for each logged line, e.g. {@code vxlan} or {@code network web (cnvx4096)}
     * @param onFailure called once per object per failed attempt (counts {@code crossnet_reconcile_errors_total})
     */
    public KernelWriter(Kernel kernel, Logger log, String what, Clock clock, Runnable onFailure) {
        this.kernel = kernel;
        this.problems = new ProblemLog(log, what);
        this.clock = clock;
        this.onFailure = onFailure;
    }

    /**
     * Makes the kernel's state of this owner's objects {@code desired}. Blocking; never throws for a
     * refused object or an unreadable kernel (both are reported and retried).
     *
     * @param actual  reads the owner's objects from the kernel; read once, and again after a batch failed
     * @param skipped one sentence per record the caller left out (bad input), logged once per change
     * @return the objects that failed now or wait for their retry (0 when everything is in place)
     */
    public int program(KernelState desired, Supplier<KernelState> actual, Collection<String> skipped) {
        KernelState now;
        try {
            now = actual.get();
        } catch (CrossnetException e) {
            onFailure.run(); // nothing was written; the next pass reads again
            problems.report(skipped, List.of(e.getMessage()));
            return 1;
        }
        KernelDiff diff = diffs.get(List.of(desired, now), null, () -> KernelDiff.between(desired, now));
        Set<List<Object>> wanted = new HashSet<>();
        List<String> unattributed = new ArrayList<>();
        // The order of the package documentation: replaces (neighbour, FDB, route), then deletes (route, neighbour, FDB).
        step("replace", diff.replaceNeighbours(), kernel.neighbours()::replaceNeighbours, KernelState::neighbours, false,
                actual, wanted, unattributed);
        step("replace", diff.replaceFdb(), kernel.fdb()::replaceFdbEntries, KernelState::fdb, false, actual, wanted,
                unattributed);
        step("replace", diff.replaceRoutes(), kernel.routes()::replaceRoutes, KernelState::routes, false, actual, wanted,
                unattributed);
        step("delete", diff.deleteRoutes(), kernel.routes()::deleteRoutesIfPresent, KernelState::routes, true, actual,
                wanted, unattributed);
        step("delete", diff.deleteNeighbours(), kernel.neighbours()::deleteNeighboursIfPresent, KernelState::neighbours,
                true, actual, wanted, unattributed);
        step("delete", diff.deleteFdb(), kernel.fdb()::deleteFdbEntriesIfPresent, KernelState::fdb, true, actual, wanted,
                unattributed);
        failing.keySet().retainAll(wanted);
        Set<String> failed = new LinkedHashSet<>();
        failing.values().forEach(f -> failed.addAll(f.sentences));
        failed.addAll(unattributed);
        problems.report(skipped, failed);
        return failing.size() + (unattributed.isEmpty() ? 0 : 1);
    }

    /** The objects that failed and wait for a retry, as (verb, entry); for tests and health. */
    public Set<List<Object>> failing() {
        return Set.copyOf(failing.keySet());
    }

    private <T> void step(String verb, List<T> items, Consumer<List<T>> write, Function<KernelState, Set<T>> view,
                          boolean delete, Supplier<KernelState> actual, Set<List<Object>> wanted, List<String> unattributed) {
        List<T> todo = new ArrayList<>();
        for (T item : items) {
            List<Object> key = List.of(verb, item);
            wanted.add(key);
            Failure f = failing.get(key);
            if (f == null || f.backoff.due()) {
                todo.add(item);
            }
        }
        if (todo.isEmpty()) {
            return;
        }
        try {
            write.accept(todo);
        } catch (CrossnetException e) {
            List<String> sentences = PartlyAppliedException.sentences(e);
            Set<T> after;
            try {
                after = view.apply(actual.get());
            } catch (CrossnetException unreadable) {
                after = null; // cannot tell which went in: all are retried
            }
            boolean attributed = false;
            for (T item : todo) {
                boolean failed = after == null || (delete == after.contains(item));
                if (failed) {
                    attributed = true;
                    failed(List.of(verb, item), sentencesFor(item, sentences));
                } else {
                    failing.remove(List.of(verb, item));
                }
            }
            if (!attributed) {
                unattributed.addAll(sentences); // the kernel complained, yet every object is in place
            }
            return;
        }
        for (T item : todo) {
            failing.remove(List.of(verb, item));
        }
    }

    private void failed(List<Object> key, List<String> sentences) {
        onFailure.run();
        Failure f = failing.computeIfAbsent(key, k -> new Failure(new Backoff(RETRY_MIN, RETRY_MAX, clock)));
        f.backoff.failed();
        f.sentences = sentences;
    }

    /** The sentences that name {@code item} (by its kernel key), or all when none does. */
    private static List<String> sentencesFor(Object item, List<String> sentences) {
        if (sentences.size() <= 1) {
            return sentences;
        }
        String token = keyText(item);
        List<String> mine = sentences.stream()
                .filter(s -> s.contains("\"" + token + " ") || s.contains(" " + token + " ")).toList();
        return mine.isEmpty() ? sentences : mine;
    }

    private static String keyText(Object item) {
        if (item instanceof Route r) {
            return r.dst().toString();
        }
        if (item instanceof Neighbour n) {
            return n.ip().toCanonicalString();
        }
        if (item instanceof FdbEntry e) {
            return e.mac();
        }
        return item.toString();
    }

    private static final class Failure {
        final Backoff backoff;
        List<String> sentences = List.of();

        Failure(Backoff backoff) {
            this.backoff = backoff;
        }
    }

    /** For an owner that is gone: its failures are no longer reported as current ({@link ProblemLog#close}). Idempotent. */
    @Override
    public void close() {
        problems.close();
    }
}

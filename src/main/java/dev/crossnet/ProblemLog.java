package dev.crossnet;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import org.slf4j.Logger;

/**
 * What a reconcile loop could not do (a record it skipped, a kernel line or an object it could not
 * write), logged once per change instead of once per pass. The loop retries whatever failed on its
 * next pass; this only decides what is worth a log line. Two ways to report, for two kinds of loop:
 * <ul>
 *   <li>per object ({@link #attempt}, {@link #failed}, {@link #succeeded}), for a loop that programs
 *       named objects one by one (e.g. {@code "vxlan device and address"}): each object remembers the
 *       last message logged for it; the same failure again is silent, another message is logged, and
 *       the first success after a failure logs that the object recovered;
 *   <li>per pass ({@link #report}), for a loop that gets a whole list of sentences back from one
 *       batch (one per refused line or skipped record): only the sentences that were not in the
 *       previous pass are logged, and one line says so when the list empties.
 * </ul>
 * The two are independent. Every open log of the process can be read at once ({@link #everyProblem()}), for the
 * agent's status report: a process runs one agent, so these are that agent's problems; an owner that drops a log
 * closes it ({@link #close()}) so its problems stop being reported. Thread-safe.
 */
public final class ProblemLog implements AutoCloseable {
    /** The open logs of this process, weakly held: one dropped without {@link #close()} leaves at its collection. */
    private static final Set<ProblemLog> OPEN = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

    /**
     * One current problem.
     *
     * @param kind    the log's prefix (e.g. {@code vxlan}), or {@code agent} for a log without one
     * @param object  the failing object (per object), or {@code ""} (per pass: the sentence names it)
     * @param message the error or the skipped record's sentence
     */
    public record Problem(String kind, String object, String message) {
    }

    private final Logger log;
    private final String kind;
    private final String prefix;
    private final Map<String, String> failing = new HashMap<>();
    private Set<String> last = Set.of();

    /** @param what a short prefix for every line, e.g. {@code vxlan crossnet.1} */
    public ProblemLog(Logger log, String what) {
        this.log = log;
        this.kind = what;
        this.prefix = what + ": ";
        OPEN.add(this);
    }

    /** A log whose lines start with the object's name (per object) or the sentence (per pass). */
    public ProblemLog(Logger log) {
        this.log = log;
        this.kind = "agent";
        this.prefix = "";
        OPEN.add(this);
    }

    /**
     * Runs {@code step} for {@code object}; a {@link RuntimeException} it throws is logged once per
     * change of its message and not rethrown, so one failing object never stops the others.
     *
     * @return whether the step succeeded
     */
    public boolean attempt(String object, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            failed(object, e.getMessage() == null ? e.toString() : e.getMessage());
            return false;
        }
        succeeded(object);
        return true;
    }

    /** Logs {@code message} for {@code object} (as an error) unless it is the one logged last for it. */
    public synchronized void failed(String object, String message) {
        if (!message.equals(failing.put(object, message))) {
            log.error("{}{}: {} (retried on every resync; logged again only when it changes)", prefix, object, message);
        }
    }

    /** Logs that {@code object} recovered when it had failed; otherwise does nothing. */
    public synchronized void succeeded(String object) {
        if (failing.remove(object) != null) {
            log.info("{}{}: recovered", prefix, object);
        }
    }

    /** Forgets {@code object} (e.g. a network that was removed), so it logs nothing more. */
    public synchronized void forget(String object) {
        failing.remove(object);
    }

    /** Whether {@code object}'s last attempt failed. */
    public synchronized boolean isFailing(String object) {
        return failing.containsKey(object);
    }

    /**
     * Reports one pass: {@code skipped} (bad input, a warning) and {@code failed} (the kernel
     * refused, an error). Logs the sentences new since the last pass.
     */
    public synchronized void report(Collection<String> skipped, Collection<String> failed) {
        Set<String> now = new LinkedHashSet<>();
        for (String s : skipped) {
            if (now.add(s) && !last.contains(s)) {
                log.warn("{}{}", prefix, s);
            }
        }
        for (String f : failed) {
            if (now.add(f) && !last.contains(f)) {
                log.error("{}{}", prefix, f);
            }
        }
        if (now.isEmpty() && !last.isEmpty()) {
            log.info("{}every record is programmed again", prefix);
        }
        last = now;
    }

    /** The sentences of the last pass, for health and tests. */
    public synchronized List<String> current() {
        return new ArrayList<>(last);
    }

    /** What fails now: each failing object with its last message, then each sentence of the last pass. */
    public synchronized List<Problem> problems() {
        List<Problem> out = new ArrayList<>();
        failing.forEach((object, message) -> out.add(new Problem(kind, object, message)));
        for (String sentence : last) {
            out.add(new Problem(kind, "", sentence));
        }
        return out;
    }

    /** The current problems of every open log of this process (see the class comment). */
    public static List<Problem> everyProblem() {
        List<ProblemLog> logs;
        synchronized (OPEN) {
            logs = new ArrayList<>(OPEN);
        }
        List<Problem> out = new ArrayList<>();
        for (ProblemLog l : logs) {
            out.addAll(l.problems());
        }
        return out;
    }

    /** Stops reporting this log's problems in {@link #everyProblem()}; it still logs. Idempotent. */
    @Override
    public void close() {
        OPEN.remove(this);
    }
}

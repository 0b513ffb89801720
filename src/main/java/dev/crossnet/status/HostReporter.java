package dev.crossnet.status;

import dev.crossnet.store.Store;
import dev.crossnet.store.StoreJson;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this host's {@link HostReport} in the store, beside {@link AgentPresence}'s records, under {@link
 * HostReport#PREFIX}{@code <host>} with a {@link #TTL}: it exists while the agent runs and lapses when it stops.
 * Every {@link #TICK} it takes a cheap {@link Sketch} of the report and takes and writes the whole report if what it
 * says changed (reachability, errors, the lease, the mode), or if its measurements (RTTs) changed and the last write
 * is older than {@link #RTT_REFRESH} (so RTTs stay fresh without a store revision per probe), or if the last write is
 * older than {@link #TIME_REFRESH} (probe times and the write time); otherwise, at most every {@link #KEEP_ALIVE},
 * it only keeps the key alive, which writes no revision. So an idle tick builds no report and touches no store, and
 * a report whose peers never answer is rewritten for its probe times only every {@link #TIME_REFRESH}. Never
 * throws from its thread: a failure is logged once and retried next tick. Thread-safe.
 */
public final class HostReporter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HostReporter.class);
    /** How often the report is looked at: a reachability change reaches the store within one tick. */
    public static final Duration TICK = Duration.ofSeconds(2);
    /**
     * What a report says, cheap to take without building it.
     *
     * @param says     equal values say the same as {@link HostReport#sketch()}es that are equal (the report apart from
     *                 RTTs and times)
     * @param measured equal values mean the same RTTs (e.g. a count of the answers measured)
     */
    public record Sketch(Object says, Object measured) {
    }

    /** The longest a written report goes unrewritten while only its RTTs change. */
    public static final Duration RTT_REFRESH = Duration.ofSeconds(15);
    /** The longest a written report goes unrewritten while only its probe times change (no RTT measured). */
    public static final Duration TIME_REFRESH = Duration.ofMinutes(1);
    /** The report's TTL: well over a tick, so a slow store does not make a running host's report lapse. */
    public static final Duration TTL = Duration.ofSeconds(30);
    /** How often an unchanged report's key is kept alive: a third of the {@link #TTL}, so two may fail before it lapses. */
    public static final Duration KEEP_ALIVE = TTL.dividedBy(3);

    private final Store store;
    private final String key;
    private final Supplier<Sketch> sketch;
    private final Supplier<HostReport> current;
    private final Clock clock;
    private final ScheduledExecutorService timer;
    private Sketch written; // guarded by this: the last written report's, null before the first write
    private Instant writtenAt = Instant.EPOCH; // guarded by this
    private Instant aliveAt = Instant.EPOCH; // guarded by this: the last write or keep-alive
    private boolean failing; // guarded by this
    private boolean closed; // guarded by this

    /**
     * @param sketch  this host's report's sketch now; called on the reporter's thread every tick
     * @param current this host's report now (its {@code at} is ignored); called on the reporter's thread before a write
     */
    HostReporter(Store store, String host, Supplier<Sketch> sketch, Supplier<HostReport> current, Clock clock) {
        this.store = store;
        this.key = HostReport.PREFIX + host;
        this.sketch = sketch;
        this.current = current;
        this.clock = clock;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "host-reporter");
            t.setDaemon(true);
            return t;
        });
    }

    /** Reports now, then every {@link #TICK} on a thread of its own. Never throws. */
    public static HostReporter start(Store store, String host, Supplier<Sketch> sketch, Supplier<HostReport> current,
                                     Clock clock) {
        HostReporter r = new HostReporter(store, host, sketch, current, clock);
        r.tick();
        r.timer.scheduleWithFixedDelay(r::tick, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
        return r;
    }

    /** One look at the report: writes it or keeps it alive, as the class says. Never throws. */
    synchronized void tick() {
        if (closed) {
            return;
        }
        try {
            Sketch says = sketch.get();
            Instant t = clock.instant();
            boolean changed = written == null || !says.says().equals(written.says());
            boolean stale = !changed && (!says.measured().equals(written.measured()) && !t.isBefore(writtenAt.plus(RTT_REFRESH))
                    || !t.isBefore(writtenAt.plus(TIME_REFRESH)));
            boolean keepAlive = !t.isBefore(aliveAt.plus(KEEP_ALIVE));
            // A keep-alive only when nothing is written; a key that lapsed (a store outage) is written again.
            if (changed || stale || keepAlive && !store.keepAlive(key)) {
                store.put(key, StoreJson.write(current.get().at(t.toString())), TTL);
                written = says;
                writtenAt = t;
            }
            if (changed || stale || keepAlive) {
                aliveAt = t;
            }
            if (failing) {
                log.info("host report {} written again", key);
                failing = false;
            }
        } catch (RuntimeException e) {
            if (!failing) {
                log.warn("host report {}: {}; retrying every {}", key, e.getMessage(), TICK);
                failing = true;
            }
        }
    }

    /** Stops reporting and deletes the report (best effort). Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        timer.shutdownNow();
        try {
            store.delete(key);
        } catch (RuntimeException e) {
            log.warn("host report {}: {}; it lapses within {}", key, e.getMessage(), TTL);
        }
    }
}

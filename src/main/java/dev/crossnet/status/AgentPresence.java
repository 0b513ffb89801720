package dev.crossnet.status;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.crossnet.CrossnetException;
import dev.crossnet.store.KeyValue;
import dev.crossnet.store.Store;
import dev.crossnet.store.StoreJson;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This host's agent status for {@code crossnet node ls}, in two keys outside flannel's prefix:
 * <ul>
 * <li>{@code /crossnet/cluster/alive/<host>}, written with a {@link #TTL} and kept alive every
 * {@link #BEAT}, as {@link dev.crossnet.docker.HostPresence} does: it exists while the agent runs.
 * A keep-alive writes no store revision, so a running cluster's history does not grow.</li>
 * <li>{@code /crossnet/cluster/agents/<host>} = {@code {"Address":…,"State":…,"Why":…,"Since":…}},
 * no TTL, written only when the state changes: {@code ready}, {@code not ready} (with why),
 * {@code stopped} (a clean stop), or {@code down}.</li>
 * </ul>
 * A record that lapsed cannot say when; so every agent, each beat, marks {@code down} (since now,
 * by compare-and-set) every other host whose state is ready or not ready but whose alive key is
 * gone. "Down since" is thus when the first other agent noticed: at most one {@link #TTL} plus one
 * {@link #BEAT} after the last keep-alive. With no other agent running, nobody notices; the reader
 * then shows the host as down without a time ({@link Status#describe}). Thread-safe.
 */
public final class AgentPresence implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AgentPresence.class);
    public static final String PREFIX = "/crossnet/cluster/agents/";
    public static final String ALIVE = "/crossnet/cluster/alive/";
    public static final Duration BEAT = Duration.ofSeconds(10);
    public static final Duration TTL = BEAT.multipliedBy(3);
    public static final String READY = "ready";
    public static final String NOT_READY = "not ready";
    public static final String STOPPED = "stopped";
    public static final String DOWN = "down";

    /** The stored record; {@code why} is null unless not ready. */
    record Value(@JsonProperty("Address") String address, @JsonProperty("State") String state, @JsonProperty("Why") String why,
                 @JsonProperty("Since") String since) {
    }

    /**
     * One host's record as read.
     *
     * @param state ready, not ready, stopped or down
     * @param alive whether its alive key exists
     */
    public record Status(String host, String address, String state, String why, Instant since, boolean alive) {
        /** "ready since T", "not ready since T: why", "stopped since T", "down since T", or "down (was ready since T)" if nobody noted when. */
        public String describe() {
            boolean running = READY.equals(state) || NOT_READY.equals(state);
            if (running && !alive) {
                return "down (was " + state + " since " + since + ")";
            }
            return state + " since " + since + (NOT_READY.equals(state) ? ": " + why : "");
        }
    }

    private final Store store;
    private final String host;
    private final String address;
    private final Supplier<String> notReady;
    private final Clock clock;
    private final ScheduledExecutorService timer;
    private Value written; // guarded by this; null until the first beat wrote
    private boolean closed; // guarded by this
    private boolean failing; // guarded by this

    /** @param notReady why the agent is not ready, or null when it is (the agent's readiness) */
    AgentPresence(Store store, String host, String address, Supplier<String> notReady, Clock clock) {
        this.store = store;
        this.host = host;
        this.address = address;
        this.notReady = notReady;
        this.clock = clock;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "agent-presence");
            t.setDaemon(true);
            return t;
        });
    }

    /** Beats now (a failure is logged), then every {@link #BEAT} on a thread of its own. Never throws. */
    public static AgentPresence start(Store store, String host, String address, Supplier<String> notReady, Clock clock) {
        AgentPresence p = new AgentPresence(store, host, address, notReady, clock);
        p.beat();
        p.timer.scheduleWithFixedDelay(p::beat, BEAT.toMillis(), BEAT.toMillis(), TimeUnit.MILLISECONDS);
        return p;
    }

    /**
     * Keeps the alive key alive (writing it again if it lapsed), writes the record if the state
     * changed, and marks lapsed other hosts down. Never throws: a failure is logged once and retried
     * next beat.
     */
    synchronized void beat() {
        if (closed) {
            return;
        }
        try {
            String why;
            try {
                why = notReady.get();
            } catch (RuntimeException e) {
                why = "readiness unknown: " + e.getMessage();
            }
            boolean lapsed = written != null && !store.keepAlive(ALIVE + host);
            if (written == null || lapsed) {
                // Alive first: another agent never sees this record running without it.
                store.put(ALIVE + host, "{}", TTL);
            }
            String state = why == null ? READY : NOT_READY;
            if (written == null || lapsed || !state.equals(written.state()) || !Objects.equals(why, written.why())) {
                // A lapse may have been marked down by another agent: running again since now.
                String since = written != null && !lapsed && state.equals(written.state()) ? written.since() : clock.instant().toString();
                Value v = new Value(address, state, why, since);
                store.put(PREFIX + host, StoreJson.write(v), null);
                written = v;
            }
            markLapsedDown();
            if (failing) {
                log.info("agent status {} written again", PREFIX + host);
                failing = false;
            }
        } catch (RuntimeException e) {
            if (!failing) {
                log.warn("agent status {}: {}; retrying every {}", PREFIX + host, e.getMessage(), BEAT);
                failing = true;
            }
        }
    }

    /** Every other host recorded as running whose alive key lapsed: down since now, by compare-and-set. */
    private void markLapsedDown() {
        List<KeyValue> records = store.list(PREFIX).items();
        Set<String> alive = aliveHosts(store);
        for (KeyValue kv : records) {
            String h = kv.key().substring(PREFIX.length());
            Value v = StoreJson.read(kv, Value.class);
            if (!h.equals(host) && (READY.equals(v.state()) || NOT_READY.equals(v.state())) && !alive.contains(h)) {
                Value down = new Value(v.address(), DOWN, null, clock.instant().toString());
                if (store.compareAndSet(kv.key(), kv.modRevision(), StoreJson.write(down), null).isPresent()) {
                    log.info("agent of {} is down: its alive key {} lapsed", h, ALIVE + h);
                }
            }
        }
    }

    /** Stops the beats, records "stopped" and deletes the alive key (best effort: a failure is logged). Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        timer.shutdownNow();
        try {
            store.put(PREFIX + host, StoreJson.write(new Value(address, STOPPED, null, clock.instant().toString())), null);
            store.delete(ALIVE + host);
        } catch (RuntimeException e) {
            log.warn("agent status {}: {}; not marked stopped (it shows down once its alive key lapses)", PREFIX + host, e.getMessage());
        }
    }

    private static Set<String> aliveHosts(Store store) {
        Set<String> out = new HashSet<>();
        for (KeyValue kv : store.list(ALIVE, false).items()) {
            out.add(kv.key().substring(ALIVE.length()));
        }
        return out;
    }

    /** Every host's record, sorted by host. @throws CrossnetException naming a record that is not valid */
    public static List<Status> list(Store store) {
        Set<String> alive = aliveHosts(store);
        List<Status> out = new ArrayList<>();
        for (KeyValue kv : store.list(PREFIX).items()) {
            String h = kv.key().substring(PREFIX.length());
            Value v = StoreJson.read(kv, Value.class);
            try {
                out.add(new Status(h, v.address(), Objects.requireNonNull(v.state(), "no State"), v.why(), Instant.parse(v.since()),
                        alive.contains(h)));
            } catch (RuntimeException e) {
                throw new CrossnetException("agent status " + kv.key() + " is not valid: " + e.getMessage());
            }
        }
        return out;
    }

    /** Deletes {@code host}'s keys (for {@code node rm}). */
    public static void delete(Store store, String host) {
        store.delete(PREFIX + host);
        store.delete(ALIVE + host);
    }
}

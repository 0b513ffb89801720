package dev.crossnet.agent;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.crossnet.CrossnetException;
import dev.crossnet.store.KeyValue;
import dev.crossnet.store.Store;
import dev.crossnet.store.StoreJson;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This host's agent status, {@code /crossnet/cluster/agents/<host>} = {@code {"Address":…,"Ready":…,
 * "Why":…,"Since":…,"Seen":…}} (outside flannel's prefix): for {@code crossnet node ls}, whether the
 * agent is ready and since when, or down and since when.
 *
 * <p>A heartbeat, not a TTL: a record that lapsed could not say since when its host is down. Every
 * {@link #BEAT} the agent rewrites the record with {@code Seen} = now; {@code Since} moves only when
 * readiness changes. A reader takes a record whose {@code Seen} is older than {@link #STALE} as
 * "down since Seen" (so it assumes the hosts' clocks agree to well within {@link #STALE}, as NTP
 * gives). {@link #close} (a clean stop) writes "stopped" at once. One write per host per
 * {@link #BEAT}. Thread-safe.
 */
public final class AgentPresence implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AgentPresence.class);
    public static final String PREFIX = "/crossnet/cluster/agents/";
    public static final Duration BEAT = Duration.ofSeconds(10);
    /** Three beats missed: the agent (or its host, or its path to the store) is down. */
    public static final Duration STALE = BEAT.multipliedBy(3);
    static final String STOPPED = "stopped";

    /** The stored record; {@code why} is null when ready. */
    record Value(@JsonProperty("Address") String address, @JsonProperty("Ready") boolean ready, @JsonProperty("Why") String why,
                 @JsonProperty("Since") String since, @JsonProperty("Seen") String seen) {
    }

    /** One host's record as read. @param why null when ready */
    public record Status(String host, String address, boolean ready, String why, Instant since, Instant seen) {
        /** "ready since T", "not ready since T: why", "stopped since T" or "down since T" (last seen), as of {@code now}. */
        public String describe(Instant now) {
            if (STOPPED.equals(why)) {
                return "stopped since " + since;
            }
            if (Duration.between(seen, now).compareTo(STALE) > 0) {
                return "down since " + seen;
            }
            return ready ? "ready since " + since : "not ready since " + since + ": " + why;
        }
    }

    private final Store store;
    private final String key;
    private final String address;
    private final Supplier<String> notReady;
    private final Clock clock;
    private final ScheduledExecutorService timer;
    private Boolean ready; // guarded by this; null before the first beat
    private Instant since; // guarded by this
    private boolean closed; // guarded by this
    private boolean failing; // guarded by this

    /** @param notReady why the agent is not ready, or null when it is ({@link Agent#notReady}) */
    AgentPresence(Store store, String host, String address, Supplier<String> notReady, Clock clock) {
        this.store = store;
        this.key = PREFIX + host;
        this.address = address;
        this.notReady = notReady;
        this.clock = clock;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "agent-presence");
            t.setDaemon(true);
            return t;
        });
    }

    /** Writes the record now (a failure is logged), then every {@link #BEAT} on a thread of its own. Never throws. */
    public static AgentPresence start(Store store, String host, String address, Supplier<String> notReady, Clock clock) {
        AgentPresence p = new AgentPresence(store, host, address, notReady, clock);
        p.beat();
        p.timer.scheduleWithFixedDelay(p::beat, BEAT.toMillis(), BEAT.toMillis(), TimeUnit.MILLISECONDS);
        return p;
    }

    /** Rewrites the record with the agent's readiness. Never throws: a failure is logged once and retried next beat. */
    synchronized void beat() {
        if (closed) {
            return;
        }
        String why;
        try {
            why = notReady.get();
        } catch (RuntimeException e) {
            why = "readiness unknown: " + e.getMessage();
        }
        Instant now = clock.instant();
        if (ready == null || ready != (why == null)) {
            ready = why == null;
            since = now;
        }
        write(new Value(address, ready, why, since.toString(), now.toString()));
    }

    private void write(Value v) {
        try {
            store.put(key, StoreJson.write(v), null);
            if (failing) {
                log.info("agent status {} written again", key);
                failing = false;
            }
        } catch (RuntimeException e) {
            if (!failing) {
                log.warn("agent status {}: {}; retrying every {}", key, e.getMessage(), BEAT);
                failing = true;
            }
        }
    }

    /** Stops the heartbeat and records "stopped" (best effort: a failure is logged). Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        timer.shutdownNow();
        String now = clock.instant().toString();
        write(new Value(address, false, STOPPED, now, now));
    }

    /** Every host's record, sorted by host. @throws CrossnetException naming a record that is not valid JSON */
    public static List<Status> list(Store store) {
        List<Status> out = new ArrayList<>();
        for (KeyValue kv : store.list(PREFIX).items()) {
            Value v = StoreJson.read(kv, Value.class);
            try {
                out.add(new Status(kv.key().substring(PREFIX.length()), v.address(), v.ready(), v.why(), Instant.parse(v.since()),
                        Instant.parse(v.seen())));
            } catch (RuntimeException e) {
                throw new CrossnetException("agent status " + kv.key() + " has no valid Since/Seen time: " + e.getMessage());
            }
        }
        return out;
    }

    /** Deletes {@code host}'s record (for {@code node rm}). @return whether there was one */
    public static boolean delete(Store store, String host) {
        return store.delete(PREFIX + host);
    }
}

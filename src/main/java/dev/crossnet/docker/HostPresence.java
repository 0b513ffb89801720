package dev.crossnet.docker;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.crossnet.store.Store;
import dev.crossnet.store.StoreJson;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This host's presence record, {@code <prefix>/docker/hosts/<host>} = {@code {"Started":"…"}}:
 * written with a TTL when the host starts serving crossnet's Docker plugins and kept alive every
 * TTL/3, so it exists while the host is alive and lapses one TTL after it stops. It is what a
 * {@link HostReaper} on another host looks at before removing this host's Docker records.
 *
 * <p>{@link #close} stops the keep-alive and leaves the record to lapse by itself: an agent that
 * restarts within the reapers' grace period costs nothing, and a stopped one is not reaped any
 * sooner. Thread-safe.
 */
public final class HostPresence implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HostPresence.class);
    /** As long as the DNS name records': a dead host is noticed within 15 s. */
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(15);

    record Value(@JsonProperty("Started") String started) {
    }

    private final Store store;
    private final String key;
    private final String value;
    private final Duration ttl;
    private final ScheduledExecutorService timer;
    private boolean failing; // guarded by this

    HostPresence(Store store, DockerStore docker, String host, Duration ttl, Clock clock) {
        if (ttl.isZero() || ttl.isNegative()) {
            throw new IllegalArgumentException("presence TTL must be positive, not " + ttl);
        }
        this.store = store;
        this.key = docker.hostsPrefix() + host;
        // One value per process: a record rewritten after a lapse is the same record.
        this.value = StoreJson.write(new Value(clock.instant().toString()));
        this.ttl = ttl;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "docker-presence");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Writes the record now, then keeps it alive every {@code ttl}/3 on a thread of its own.
     * Blocking until the first write is done.
     *
     * @throws dev.crossnet.store.StoreException if the store cannot be reached; nothing runs then
     */
    public static HostPresence start(Store store, DockerStore docker, String host, Duration ttl, Clock clock) {
        HostPresence p = new HostPresence(store, docker, host, ttl, clock);
        try {
            p.publish();
        } catch (RuntimeException e) {
            p.close();
            throw e;
        }
        long every = Math.max(1, ttl.toMillis() / 3);
        p.timer.scheduleWithFixedDelay(p::refresh, every, every, TimeUnit.MILLISECONDS);
        log.info("presence record {} (TTL {}), kept alive every {} ms", p.key, ttl, every);
        return p;
    }

    public String key() {
        return key;
    }

    /** Writes the record with its TTL. Blocking. */
    void publish() {
        store.put(key, value, ttl);
    }

    /** Restarts the record's TTL, or writes it again if it lapsed. Never throws: a failure is logged once and retried. */
    synchronized void refresh() {
        try {
            if (!store.keepAlive(key)) {
                publish();
                log.warn("presence record {} had lapsed (the store was out of reach, or this process stalled, for over {});"
                        + " written again. If it was gone longer than the other hosts' --docker-reap-after, they have removed"
                        + " this host's Docker endpoints, attachments and addresses: reconnect its containers", key, ttl);
            }
            if (failing) {
                log.info("presence record {} kept alive again", key);
                failing = false;
            }
        } catch (RuntimeException e) {
            if (!failing) {
                log.warn("presence record {}: {}; retrying", key, e.getMessage());
                failing = true;
            }
        }
    }

    /** Stops the keep-alive; the record lapses by its TTL. Idempotent. */
    @Override
    public void close() {
        timer.shutdownNow();
    }
}

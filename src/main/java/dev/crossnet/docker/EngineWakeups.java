package dev.crossnet.docker;

import dev.crossnet.docker.engine.EngineClient;
import dev.crossnet.docker.engine.EngineEvent;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wakes an {@link EngineSync} when this host's dockerd changes a network, so the sync follows
 * dockerd by its {@code /events} stream instead of listing its networks over and over.
 *
 * <p>The events that matter: {@code network create} (a network made here must be published for the
 * other hosts), {@code destroy} (one removed here by hand must come back while the cluster has it),
 * {@code connect} (a new container's name goes on its endpoint record). When the stream opens, and
 * again after every reconnect ({@link #RETRY} after it broke), the sync is woken once, so an event
 * missed while the stream was down costs nothing. One daemon thread; {@link #close} is idempotent.
 */
public final class EngineWakeups implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EngineWakeups.class);
    static final Duration RETRY = Duration.ofSeconds(1);
    static final Map<String, List<String>> FILTERS = Map.of(
            "type", List.of("network"),
            "event", List.of("create", "destroy", "connect"));

    private final EngineClient docker;
    private final Runnable wake;
    private final Thread thread;
    private volatile EngineClient.Events events;
    private volatile boolean closed;

    private EngineWakeups(EngineClient docker, Runnable wake) {
        this.docker = docker;
        this.wake = wake;
        this.thread = new Thread(this::follow, "docker-sync-events");
        this.thread.setDaemon(true);
    }

    /** Starts following {@code docker}'s network events, calling {@code wake} on each. Returns at once. */
    public static EngineWakeups start(EngineClient docker, Runnable wake) {
        EngineWakeups w = new EngineWakeups(docker, wake);
        w.thread.start();
        return w;
    }

    private void follow() {
        boolean warned = false;
        while (!closed) {
            try (EngineClient.Events ev = docker.events(FILTERS)) {
                events = ev;
                if (warned) {
                    log.info("docker sync: following the events of {} again", docker.socket());
                    warned = false;
                }
                wake.run();
                for (EngineEvent e = ev.next(); e != null && !closed; e = ev.next()) {
                    wake.run();
                }
            } catch (IOException | RuntimeException e) {
                if (!closed && !warned) {
                    log.warn("docker sync: cannot follow the events of {} ({}); retrying every {}", docker.socket(),
                            e.getMessage(), RETRY);
                    warned = true;
                }
            }
            if (!closed) {
                try {
                    Thread.sleep(RETRY.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        EngineClient.Events ev = events;
        if (ev != null) {
            try {
                ev.close();
            } catch (IOException e) {
                // closing ends the blocked read; nothing else to do
            }
        }
        thread.interrupt();
    }
}

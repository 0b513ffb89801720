package dev.crossnet.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pushes the status document to the open event streams: one event at connect, then one whenever
 * the document changes (its {@code takenAt} aside), looked at every {@code interval} and only while
 * someone is subscribed, so an agent nobody watches reads nothing for its dashboard. A comment goes
 * out every {@code heartbeat} to keep idle streams open and to find closed ones.
 *
 * <p>Thread-safe. {@link #tick} and {@link #heartbeat} are what the scheduler calls; tests call them
 * directly.
 */
final class StatusEvents implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StatusEvents.class);
    /** The event type carrying a failure to build the document, as {@code {"error": "..."}}. */
    static final String UNAVAILABLE = "unavailable";

    private final StatusSource source;
    private final ObjectMapper json;
    private final Set<EventSink> sinks = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timer;
    private String last; // the last frame broadcast, compared without takenAt; guarded by this

    /** Starts the timer thread ({@code dashboard-feed}, daemon). */
    StatusEvents(StatusSource source, ObjectMapper json, Duration interval, Duration heartbeat) {
        this.source = source;
        this.json = json;
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dashboard-feed");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::tickQuietly, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(this::heartbeat, heartbeat.toMillis(), heartbeat.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Adds {@code sink} and sends it the reconnection delay and the current document. Blocking (builds it). */
    void subscribe(EventSink sink) {
        sink.offer(SseFrames.retry());
        Frame now = build();
        if (sink.offer(now.frame)) {
            sinks.add(sink);
        }
    }

    int subscribers() {
        return sinks.size();
    }

    /** Builds the document and sends it to every sink if it changed since the last broadcast. */
    void tick() {
        if (sinks.isEmpty()) {
            synchronized (this) {
                last = null; // the next subscriber's view starts afresh
            }
            return;
        }
        Frame now = build();
        synchronized (this) {
            if (now.key.equals(last)) {
                return;
            }
            last = now.key;
        }
        broadcast(now.frame);
    }

    void heartbeat() {
        broadcast(SseFrames.comment("ping"));
    }

    private void broadcast(String frame) {
        sinks.removeIf(s -> !s.offer(frame));
    }

    private void tickQuietly() {
        try {
            tick();
        } catch (RuntimeException e) {
            log.warn("dashboard: cannot push the status: {}", e.toString());
        }
    }

    /** The document framed as an event, or the failure framed as {@value #UNAVAILABLE}. */
    private Frame build() {
        try {
            JsonNode doc = source.current();
            String frame = SseFrames.event(null, json.writeValueAsString(doc));
            JsonNode key = doc;
            if (doc instanceof ObjectNode o && o.has("takenAt")) {
                ObjectNode copy = o.deepCopy();
                copy.remove("takenAt");
                key = copy;
            }
            return new Frame(frame, json.writeValueAsString(key));
        } catch (Exception e) {
            String frame = SseFrames.event(UNAVAILABLE, json.createObjectNode().put("error", message(e)).toString());
            return new Frame(frame, frame);
        }
    }

    static String message(Exception e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    @Override
    public void close() {
        timer.shutdownNow();
        sinks.clear();
    }

    private record Frame(String frame, String key) {
    }
}

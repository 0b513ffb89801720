package dev.crossnet.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link StatusEvents} with its timer far away: the test calls tick and heartbeat itself. */
class StatusEventsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final AtomicReference<Object> next = new AtomicReference<>(doc("2026-11-27T20:00:00Z", true));
    private final java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
    private final StatusEvents feed = new StatusEvents(() -> {
        reads.incrementAndGet();
        Object v = next.get();
        if (v instanceof RuntimeException e) {
            throw e;
        }
        return (JsonNode) v;
    }, JSON, Duration.ofHours(1), Duration.ofHours(1));

    @AfterEach
    void close() {
        feed.close();
    }

    private static JsonNode doc(String takenAt, boolean ready) {
        var d = JSON.createObjectNode().put("takenAt", takenAt).put("from", "h1");
        d.putArray("hosts").addObject().put("name", "h2").putObject("agent").put("ready", ready);
        return d;
    }

    /** Records frames; answers false (closed) once told to. */
    private static final class RecordingSink implements EventSink {
        final List<String> frames = new ArrayList<>();
        boolean closed;

        @Override
        public boolean offer(String frame) {
            if (closed) {
                return false;
            }
            frames.add(frame);
            return true;
        }
    }

    @Test
    void subscribe_getsRetryThenTheDocument() {
        RecordingSink s = new RecordingSink();
        feed.subscribe(s);
        assertThat(s.frames).hasSize(2);
        assertThat(s.frames.get(0)).startsWith("retry: ");
        assertThat(s.frames.get(1)).startsWith("data: {\"takenAt\":\"2026-11-27T20:00:00Z\"").endsWith("\n\n");
        assertThat(feed.subscribers()).isEqualTo(1);
    }

    @Test
    void tick_onlyTakenAtMoved_nothingSent() {
        RecordingSink s = new RecordingSink();
        feed.subscribe(s);
        feed.tick(); // first tick after a subscribe sets the baseline
        int before = s.frames.size();
        next.set(doc("2026-11-27T20:00:01Z", true));
        feed.tick();
        assertThat(s.frames).hasSize(before);
    }

    @Test
    void tick_hostTurnsNotReady_everySinkGetsTheNewDocument() {
        RecordingSink a = new RecordingSink();
        RecordingSink b = new RecordingSink();
        feed.subscribe(a);
        feed.subscribe(b);
        feed.tick();
        next.set(doc("2026-11-27T20:00:02Z", false));
        feed.tick();
        assertThat(a.frames.get(a.frames.size() - 1)).contains("\"ready\":false");
        assertThat(b.frames.get(b.frames.size() - 1)).contains("\"ready\":false");
    }

    @Test
    void tick_sourceFails_unavailableEventWithItsMessage() {
        RecordingSink s = new RecordingSink();
        feed.subscribe(s);
        next.set(new IllegalStateException("store unreachable"));
        feed.tick();
        assertThat(s.frames.get(s.frames.size() - 1)).isEqualTo("event: unavailable\ndata: {\"error\":\"store unreachable\"}\n\n");
    }

    @Test
    void closedSink_forgottenOnTheNextPush() {
        RecordingSink s = new RecordingSink();
        feed.subscribe(s);
        s.closed = true;
        feed.heartbeat();
        assertThat(feed.subscribers()).isZero();
    }

    @Test
    void heartbeat_isAComment() {
        RecordingSink s = new RecordingSink();
        feed.subscribe(s);
        feed.heartbeat();
        assertThat(s.frames.get(s.frames.size() - 1)).isEqualTo(": ping\n\n");
    }

    @Test
    void tick_noSubscribers_sourceNotRead() {
        feed.tick();
        feed.tick();
        assertThat(reads.get()).isZero();
        RecordingSink s = new RecordingSink();
        feed.subscribe(s);
        feed.tick();
        assertThat(reads.get()).isEqualTo(2);
    }
}

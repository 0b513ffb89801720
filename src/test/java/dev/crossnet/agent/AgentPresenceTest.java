package dev.crossnet.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.store.sqlite.SqliteStore;
import dev.crossnet.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentPresenceTest {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path tmp;
    MutableClock clock;
    SqliteStore store;
    final AtomicReference<String> why = new AtomicReference<>();

    @BeforeEach
    void setUp() {
        clock = new MutableClock(T0);
        store = new SqliteStore(tmp.resolve("store.db"), clock, Duration.ofMillis(20));
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    AgentPresence presence(String host, String ip) {
        return new AgentPresence(store, host, ip, why::get, clock);
    }

    AgentPresence.Status status(String host) {
        return AgentPresence.list(store).stream().filter(s -> s.host().equals(host)).findFirst().orElseThrow();
    }

    @Test
    void readySinceTheFirstBeatWhileTheBeatsGoOn() {
        AgentPresence p = presence("h1", "10.0.0.1");
        p.beat();
        for (int i = 0; i < 10; i++) {
            clock.advance(AgentPresence.BEAT);
            p.beat();
        }
        AgentPresence.Status s = status("h1");
        assertThat(s.address()).isEqualTo("10.0.0.1");
        assertThat(s.seen()).isEqualTo(T0.plus(AgentPresence.BEAT.multipliedBy(10)));
        assertThat(s.describe(clock.instant())).isEqualTo("ready since " + T0);
    }

    @Test
    void readinessChangesMoveSince() {
        AgentPresence p = presence("h1", "10.0.0.1");
        p.beat();
        clock.advance(AgentPresence.BEAT);
        why.set("lease 10.5.1.0/24 expired");
        p.beat();
        Instant t1 = clock.instant();
        clock.advance(AgentPresence.BEAT);
        why.set("lease 10.5.1.0/24 expired (renewing it failed)");
        p.beat();
        assertThat(status("h1").describe(clock.instant()))
                .isEqualTo("not ready since " + t1 + ": lease 10.5.1.0/24 expired (renewing it failed)");
        clock.advance(AgentPresence.BEAT);
        why.set(null);
        p.beat();
        assertThat(status("h1").describe(clock.instant())).isEqualTo("ready since " + clock.instant());
    }

    @Test
    void anAgentThatStopsBeatingIsDownSinceItWasLastSeen() {
        AgentPresence p = presence("h1", "10.0.0.1");
        p.beat();
        clock.advance(AgentPresence.BEAT);
        p.beat();
        Instant last = clock.instant();
        // Killed: no more beats, no close.
        clock.advance(AgentPresence.STALE);
        assertThat(status("h1").describe(clock.instant())).as("within the grace").isEqualTo("ready since " + T0);
        clock.advance(Duration.ofSeconds(1));
        assertThat(status("h1").describe(clock.instant())).isEqualTo("down since " + last);
        // Started again: ready since its new start.
        AgentPresence again = presence("h1", "10.0.0.1");
        again.beat();
        assertThat(status("h1").describe(clock.instant())).isEqualTo("ready since " + clock.instant());
    }

    @Test
    void aCleanStopSaysStoppedAtOnceAndBeatsNoMore() {
        AgentPresence p = presence("h1", "10.0.0.1");
        p.beat();
        clock.advance(AgentPresence.BEAT);
        p.close();
        Instant stopped = clock.instant();
        clock.advance(AgentPresence.BEAT);
        p.beat();
        p.close();
        clock.advance(Duration.ofHours(1));
        assertThat(status("h1").describe(clock.instant())).isEqualTo("stopped since " + stopped);
    }

    @Test
    void aStoreOutageIsRiddenOutAndTheNextBeatWrites() {
        AgentPresence p = presence("h1", "10.0.0.1");
        why.set("starting");
        store.close();
        p.beat(); // logged, not thrown
        store = new SqliteStore(tmp.resolve("store.db"), clock, Duration.ofMillis(20));
        AgentPresence q = presence("h1", "10.0.0.1");
        q.beat();
        assertThat(status("h1").describe(clock.instant())).isEqualTo("not ready since " + T0 + ": starting");
    }

    @Test
    void aReadinessCheckThatThrowsIsReportedNotFatal() {
        AgentPresence p = new AgentPresence(store, "h1", "10.0.0.1", () -> {
            throw new IllegalStateException("boom");
        }, clock);
        p.beat();
        assertThat(status("h1").describe(clock.instant())).isEqualTo("not ready since " + T0 + ": readiness unknown: boom");
    }

    @Test
    void listsEveryHostAndDeletes() {
        presence("h2", "10.0.0.2").beat();
        presence("h1", "10.0.0.1").beat();
        assertThat(AgentPresence.list(store)).extracting(AgentPresence.Status::host).isEqualTo(List.of("h1", "h2"));
        assertThat(AgentPresence.delete(store, "h1")).isTrue();
        assertThat(AgentPresence.list(store)).extracting(AgentPresence.Status::host).containsExactly("h2");
    }
}

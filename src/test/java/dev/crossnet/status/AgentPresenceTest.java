package dev.crossnet.status;

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
    void readySinceTheFirstBeatWhileTheBeatsGoOnWithoutRewritingTheRecord() {
        AgentPresence p = presence("h1", "10.0.0.1");
        p.beat();
        long rev = store.get(AgentPresence.PREFIX + "h1").orElseThrow().modRevision();
        for (int i = 0; i < 10; i++) {
            clock.advance(AgentPresence.BEAT);
            p.beat();
        }
        AgentPresence.Status s = status("h1");
        assertThat(s.address()).isEqualTo("10.0.0.1");
        assertThat(s.alive()).isTrue();
        assertThat(s.describe()).isEqualTo("ready since " + T0);
        assertThat(store.get(AgentPresence.PREFIX + "h1").orElseThrow().modRevision()).as("kept alive, not rewritten").isEqualTo(rev);
    }

    @Test
    void readinessChangesMoveSinceAndAChangedReasonDoesNot() {
        AgentPresence p = presence("h1", "10.0.0.1");
        p.beat();
        clock.advance(AgentPresence.BEAT);
        why.set("lease 10.5.1.0/24 expired");
        p.beat();
        Instant t1 = clock.instant();
        clock.advance(AgentPresence.BEAT);
        why.set("lease 10.5.1.0/24 expired (renewing it failed)");
        p.beat();
        assertThat(status("h1").describe()).isEqualTo("not ready since " + t1 + ": lease 10.5.1.0/24 expired (renewing it failed)");
        clock.advance(AgentPresence.BEAT);
        why.set(null);
        p.beat();
        assertThat(status("h1").describe()).isEqualTo("ready since " + clock.instant());
    }

    @Test
    void aKilledAgentIsMarkedDownByAnotherOnceItsAliveKeyLapses() {
        AgentPresence h1 = presence("h1", "10.0.0.1");
        AgentPresence h2 = presence("h2", "10.0.0.2");
        h1.beat();
        h2.beat();
        // h1 killed: no more beats, no close. h2 goes on.
        for (int i = 0; i < 2; i++) {
            clock.advance(AgentPresence.BEAT);
            h2.beat();
        }
        assertThat(status("h1").describe()).as("within the TTL").isEqualTo("ready since " + T0);
        clock.advance(AgentPresence.TTL.minus(AgentPresence.BEAT.multipliedBy(2)).plusSeconds(1));
        assertThat(status("h1").describe()).as("lapsed, not noted yet").isEqualTo("down (was ready since " + T0 + ")");
        h2.beat();
        Instant noted = clock.instant();
        clock.advance(AgentPresence.BEAT);
        h2.beat();
        assertThat(status("h1").describe()).isEqualTo("down since " + noted);
        assertThat(status("h2").describe()).isEqualTo("ready since " + T0);
        // Started again: ready since its new start, and not marked down again.
        AgentPresence again = presence("h1", "10.0.0.1");
        again.beat();
        Instant restarted = clock.instant();
        clock.advance(AgentPresence.BEAT);
        h2.beat();
        assertThat(status("h1").describe()).isEqualTo("ready since " + restarted);
    }

    @Test
    void anAgentWhoseAliveKeyLapsedWhileItRanIsRunningAgainSinceItsNextBeat() {
        AgentPresence h1 = presence("h1", "10.0.0.1");
        AgentPresence h2 = presence("h2", "10.0.0.2");
        h1.beat();
        h2.beat();
        clock.advance(AgentPresence.TTL.plusSeconds(1)); // h1 stalled, or cut off from the store
        h2.beat();
        assertThat(status("h1").describe()).startsWith("down since ");
        h1.beat();
        assertThat(status("h1").describe()).isEqualTo("ready since " + clock.instant());
        assertThat(status("h1").alive()).isTrue();
    }

    @Test
    void aCleanStopSaysStoppedAtOnceAndBeatsNoMore() {
        AgentPresence p = presence("h1", "10.0.0.1");
        AgentPresence other = presence("h2", "10.0.0.2");
        p.beat();
        clock.advance(AgentPresence.BEAT);
        p.close();
        Instant stopped = clock.instant();
        clock.advance(AgentPresence.BEAT);
        p.beat();
        p.close();
        clock.advance(Duration.ofHours(1));
        other.beat();
        assertThat(status("h1").describe()).isEqualTo("stopped since " + stopped);
        assertThat(store.get(AgentPresence.ALIVE + "h1")).isEmpty();
    }

    @Test
    void aStoreOutageIsRiddenOutAndTheNextBeatWrites() {
        why.set("starting");
        store.close();
        AgentPresence p = presence("h1", "10.0.0.1");
        p.beat(); // logged, not thrown
        store = new SqliteStore(tmp.resolve("store.db"), clock, Duration.ofMillis(20));
        AgentPresence q = presence("h1", "10.0.0.1");
        q.beat();
        assertThat(status("h1").describe()).isEqualTo("not ready since " + T0 + ": starting");
    }

    @Test
    void aReadinessCheckThatThrowsIsReportedNotFatal() {
        AgentPresence p = new AgentPresence(store, "h1", "10.0.0.1", () -> {
            throw new IllegalStateException("boom");
        }, clock);
        p.beat();
        assertThat(status("h1").describe()).isEqualTo("not ready since " + T0 + ": readiness unknown: boom");
    }

    @Test
    void listsEveryHostAndDeletes() {
        presence("h2", "10.0.0.2").beat();
        presence("h1", "10.0.0.1").beat();
        assertThat(AgentPresence.list(store)).extracting(AgentPresence.Status::host).isEqualTo(List.of("h1", "h2"));
        AgentPresence.delete(store, "h1");
        assertThat(AgentPresence.list(store)).extracting(AgentPresence.Status::host).containsExactly("h2");
        assertThat(store.get(AgentPresence.ALIVE + "h1")).isEmpty();
    }
}

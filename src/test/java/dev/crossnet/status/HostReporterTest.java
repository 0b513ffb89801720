package dev.crossnet.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.store.StoreJson;
import dev.crossnet.store.sqlite.SqliteStore;
import dev.crossnet.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostReporterTest {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final String KEY = HostReport.PREFIX + "h1";

    @TempDir
    Path tmp;
    MutableClock clock;
    SqliteStore store;
    final AtomicReference<HostReport> current = new AtomicReference<>(report(true, 0.2));

    static HostReport report(boolean reachable, double rtt) {
        return new HostReport("h1", "192.168.1.1", "10.5.1.0/24", "udp", Map.of("offloads", "on"),
                List.of(new ClusterStatus.Peer("192.168.1.2", "192.168.1.2", "10.5.2.0/24", reachable, rtt, T0.toString())), List.of(), null);
    }

    @BeforeEach
    void setUp() {
        clock = new MutableClock(T0);
        store = new SqliteStore(tmp.resolve("store.db"), clock, Duration.ofMillis(20));
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    final java.util.concurrent.atomic.AtomicInteger built = new java.util.concurrent.atomic.AtomicInteger();

    /** The test's sketch: the report's own sketch, and its RTTs as what was measured. */
    HostReporter.Sketch sketch() {
        HostReport r = current.get();
        return new HostReporter.Sketch(r.sketch(), r.peers().stream().map(p -> String.valueOf(p.rttMs())).toList());
    }

    HostReporter reporter() {
        return new HostReporter(store, "h1", this::sketch, () -> {
            built.incrementAndGet();
            return current.get();
        }, clock);
    }

    HostReport stored() {
        return store.get(KEY).map(kv -> StoreJson.read(kv, HostReport.class)).orElse(null);
    }

    long revision() {
        return store.get(KEY).orElseThrow().modRevision();
    }

    @Test
    void theFirstTick_writesTheReportWithATtl() {
        reporter().tick();

        assertThat(stored()).isEqualTo(current.get().at(T0.toString()));
        assertThat(store.get(KEY).orElseThrow().expiresAt()).isEqualTo(T0.plus(HostReporter.TTL));
    }

    @Test
    void onlyRttsChanging_keepsTheKeyAliveWithoutRewrites_untilTheRefresh() {
        HostReporter r = reporter();
        r.tick();
        long rev = revision();
        current.set(report(true, 0.9));
        clock.advance(HostReporter.TICK);
        r.tick();
        assertThat(revision()).as("RTT only: not rewritten").isEqualTo(rev);
        assertThat(store.get(KEY).orElseThrow().expiresAt()).as("nor kept alive yet").isEqualTo(T0.plus(HostReporter.TTL));
        clock.advance(HostReporter.KEEP_ALIVE.minus(HostReporter.TICK));
        r.tick();
        assertThat(revision()).as("RTT only: kept alive").isEqualTo(rev);
        assertThat(store.get(KEY).orElseThrow().expiresAt()).isEqualTo(T0.plus(HostReporter.KEEP_ALIVE).plus(HostReporter.TTL));

        clock.advance(HostReporter.RTT_REFRESH.minus(HostReporter.KEEP_ALIVE));
        r.tick();

        assertThat(revision()).isGreaterThan(rev);
        assertThat(stored().peers().get(0).rttMs()).isEqualTo(0.9);
    }

    @Test
    void anUnchangedTick_buildsNoReport_andTouchesNoStore() {
        HostReporter r = reporter();
        r.tick();
        assertThat(built).hasValue(1);
        KeyValueSnapshot before = KeyValueSnapshot.of(store);

        for (int i = 0; i < 4; i++) {
            clock.advance(HostReporter.TICK);
            r.tick();
        }

        assertThat(built).as("no report built while nothing changed").hasValue(1);
        assertThat(KeyValueSnapshot.of(store)).as("no write, no keep-alive").isEqualTo(before);
    }

    @Test
    void onlyProbeTimesChanging_isNotRewrittenAtTheRttRefresh_onlyAtTheTimeRefresh() {
        HostReporter r = reporter();
        r.tick();
        long rev = revision();
        HostReport later = current.get();
        current.set(new HostReport(later.host(), later.publicIp(), later.subnet(), later.backend(), later.mode(),
                List.of(new ClusterStatus.Peer("192.168.1.2", "192.168.1.2", "10.5.2.0/24", true, 0.2,
                        T0.plus(HostReporter.RTT_REFRESH).toString())), later.errors(), null));

        clock.advance(HostReporter.RTT_REFRESH);
        r.tick();

        assertThat(revision()).as("the same RTTs: no rewrite").isEqualTo(rev);
        assertThat(built).hasValue(1);
        assertThat(store.get(KEY).orElseThrow().expiresAt()).isEqualTo(T0.plus(HostReporter.RTT_REFRESH).plus(HostReporter.TTL));

        clock.advance(HostReporter.TIME_REFRESH.minus(HostReporter.RTT_REFRESH));
        r.tick();

        assertThat(revision()).as("the probe times, once a minute").isGreaterThan(rev);
        assertThat(stored().peers().get(0).lastProbe()).isEqualTo(T0.plus(HostReporter.RTT_REFRESH).toString());
    }

    /** The report's revision and expiry: a write changes both, a keep-alive the expiry. */
    record KeyValueSnapshot(long revision, Instant expiresAt) {
        static KeyValueSnapshot of(SqliteStore store) {
            var kv = store.get(KEY).orElseThrow();
            return new KeyValueSnapshot(kv.modRevision(), kv.expiresAt());
        }
    }

    @Test
    void aReachabilityChange_isWrittenAtTheNextTick() {
        HostReporter r = reporter();
        r.tick();
        current.set(report(false, 0.2));
        clock.advance(HostReporter.TICK);

        r.tick();

        assertThat(stored().peers().get(0).reachable()).isFalse();
        assertThat(stored().at()).isEqualTo(T0.plus(HostReporter.TICK).toString());
    }

    @Test
    void aLapsedReport_isWrittenAgain_andCloseDeletesIt() {
        HostReporter r = reporter();
        r.tick();
        store.delete(KEY);
        clock.advance(HostReporter.KEEP_ALIVE);

        r.tick();
        assertThat(stored()).isNotNull();

        r.close();
        assertThat(stored()).isNull();
    }

    @Test
    void aFailingSupplier_neverThrows_andTheNextTickWrites() {
        AtomicReference<RuntimeException> fail = new AtomicReference<>(new IllegalStateException("boom"));
        HostReporter r = new HostReporter(store, "h1", this::sketch, () -> {
            if (fail.get() != null) {
                throw fail.get();
            }
            return current.get();
        }, clock);
        r.tick();
        assertThat(stored()).isNull();

        fail.set(null);
        r.tick();
        assertThat(stored()).isNotNull();
    }
}

package dev.crossnet.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MetricsRegistryTest {

    @Test
    void render_countersWithLabels_prometheusText() {
        MetricsRegistry r = new MetricsRegistry();
        CounterFamily drops = r.counter("x_drops_total", "Dropped.", "peer", "reason");
        drops.labels("10.5.3.0/24", "malformed").add(3);
        drops.labels("10.5.2.0/24", "a\"b\\c").inc();
        r.counter("a_total", "First.").labels().inc();
        assertThat(r.render()).isEqualTo("""
                # HELP a_total First.
                # TYPE a_total counter
                a_total 1
                # HELP x_drops_total Dropped.
                # TYPE x_drops_total counter
                x_drops_total{peer="10.5.2.0/24",reason="a\\"b\\\\c"} 1
                x_drops_total{peer="10.5.3.0/24",reason="malformed"} 3
                """);
    }

    @Test
    void counter_sameNameTwice_sameFamilyAndSeries() {
        MetricsRegistry r = new MetricsRegistry();
        r.counter("c_total", "C.", "peer").labels("p").inc();
        r.counter("c_total", "C.", "peer").labels("p").inc();
        assertThat(r.counter("c_total", "C.", "peer").labels("p").get()).isEqualTo(2);
    }

    @Test
    void remove_series_goneFromOutput() {
        MetricsRegistry r = new MetricsRegistry();
        CounterFamily f = r.counter("c_total", "C.", "peer");
        f.labels("p").inc();
        f.remove("p");
        assertThat(r.render()).doesNotContain("peer=");
    }

    @Test
    void counter_badNamesOrLabelMismatch_rejected() {
        MetricsRegistry r = new MetricsRegistry();
        assertThatThrownBy(() -> r.counter("bad-name", "x")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad-name");
        assertThatThrownBy(() -> r.counter("ok", "x", "__x")).isInstanceOf(IllegalArgumentException.class);
        r.counter("ok", "x", "a");
        assertThatThrownBy(() -> r.counter("ok", "x", "b")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[a]");
        assertThatThrownBy(() -> r.counter("ok", "x", "a").labels("1", "2")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void gauge_readAtRender_plainDecimal_andSortedWithCounters() {
        MetricsRegistry r = new MetricsRegistry();
        double[] v = {3};
        r.gauge("b_peers", "Peers.", () -> v[0]);
        r.gauge("c_time_seconds", "When.", () -> 1767225600.25);
        r.counter("a_total", "First.").labels().inc();
        v[0] = 4;
        assertThat(r.render()).isEqualTo("""
                # HELP a_total First.
                # TYPE a_total counter
                a_total 1
                # HELP b_peers Peers.
                # TYPE b_peers gauge
                b_peers 4
                # HELP c_time_seconds When.
                # TYPE c_time_seconds gauge
                c_time_seconds 1767225600.25
                """);
    }

    @Test
    void gauge_nameOfACounter_rejectedAndCounterKept() {
        MetricsRegistry r = new MetricsRegistry();
        r.counter("c_total", "C.").labels().inc();
        assertThatThrownBy(() -> r.gauge("c_total", "G.", () -> 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> r.gauge("bad-name", "G.", () -> 1)).isInstanceOf(IllegalArgumentException.class);
        r.gauge("g", "G.", () -> 1);
        assertThatThrownBy(() -> r.counter("g", "C.")).isInstanceOf(IllegalArgumentException.class);
        assertThat(r.render()).contains("c_total 1");
    }
}

package dev.crossnet.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.Test;

class MetricFamiliesTest {

    @Test
    void text_countersWithLabels_keepTheirTotalNamesAndEscapes() {
        PrometheusRegistry r = new PrometheusRegistry();
        Counter drops = MetricFamilies.counter(r, "x_drops_total", "Dropped.", "peer", "reason");
        drops.labelValues("10.5.3.0/24", "malformed").inc(3);
        drops.labelValues("10.5.2.0/24", "a\"b\\c").inc();
        assertThat(MetricFamilies.text(r)).isEqualTo("""
                # HELP x_drops_total Dropped.
                # TYPE x_drops_total counter
                x_drops_total{peer="10.5.2.0/24",reason="a\\"b\\\\c"} 1.0
                x_drops_total{peer="10.5.3.0/24",reason="malformed"} 3.0
                """);
    }

    @Test
    void counter_sameNameTwice_sameFamilyAndSeries() {
        PrometheusRegistry r = new PrometheusRegistry();
        MetricFamilies.counter(r, "c_total", "C.", "peer").labelValues("p").inc();
        MetricFamilies.counter(r, "c_total", "C.", "peer").labelValues("p").inc();
        assertThat(MetricFamilies.counter(r, "c_total", "C.", "peer").labelValues("p").getLongValue()).isEqualTo(2);
        assertThat(MetricFamilies.counter(new PrometheusRegistry(), "c_total", "C.", "peer").labelValues("p").getLongValue())
                .as("another registry has its own family").isZero();
    }

    @Test
    void counter_removedSeries_goneFromOutput() {
        PrometheusRegistry r = new PrometheusRegistry();
        Counter f = MetricFamilies.counter(r, "c_total", "C.", "peer");
        f.labelValues("p").inc();
        f.remove("p");
        assertThat(MetricFamilies.text(r)).doesNotContain("peer=");
    }

    @Test
    void counter_labelMismatch_rejected() {
        PrometheusRegistry r = new PrometheusRegistry();
        MetricFamilies.counter(r, "ok_total", "x", "a");
        assertThatThrownBy(() -> MetricFamilies.counter(r, "ok_total", "x", "b")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[a]");
        assertThatThrownBy(() -> MetricFamilies.counter(r, "ok_total", "x", "a").labelValues("1", "2"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MetricFamilies.gauge(r, "ok_total", "x", () -> 1)).hasMessageContaining("counter");
    }

    @Test
    void gauge_readAtScrape_andReplacedBySecondRegistration() {
        PrometheusRegistry r = new PrometheusRegistry();
        double[] v = {3};
        MetricFamilies.gauge(r, "b_peers", "Peers.", () -> v[0]);
        assertThat(MetricFamilies.text(r)).contains("# TYPE b_peers gauge\nb_peers 3.0\n");
        v[0] = 4;
        assertThat(MetricFamilies.text(r)).contains("b_peers 4.0\n");
        MetricFamilies.gauge(r, "b_peers", "Peers.", () -> 7);
        assertThat(MetricFamilies.text(r)).contains("b_peers 7.0\n").doesNotContain("b_peers 4.0");
        assertThatThrownBy(() -> MetricFamilies.counter(r, "b_peers", "x")).hasMessageContaining("gauge");
    }

    @Test
    void reconcileErrors_everyKindPresentAtZero_sharedAcrossCallers() {
        PrometheusRegistry r = new PrometheusRegistry();
        ReconcileErrors.in(r).labelValues(ReconcileErrors.PEERS).inc();
        ReconcileErrors.in(r).labelValues(ReconcileErrors.PEERS).inc();
        assertThat(MetricFamilies.text(r)).contains(
                "crossnet_reconcile_errors_total{kind=\"datapath\"} 0.0",
                "crossnet_reconcile_errors_total{kind=\"docker\"} 0.0",
                "crossnet_reconcile_errors_total{kind=\"lease\"} 0.0",
                "crossnet_reconcile_errors_total{kind=\"peers\"} 2.0");
    }
}

package dev.crossnet.agent;

import dev.crossnet.metrics.MetricFamilies;
import dev.crossnet.metrics.ReconcileErrors;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Instant;

/**
 * The agent's own metrics, beside the backends' ({@code crossnet_udp_*}):
 * <ul>
 *   <li>{@code crossnet_reconcile_errors_total{kind}} ({@link ReconcileErrors}): failures per kind of object;</li>
 *   <li>{@code crossnet_peers_programmed}: peers in the last reconcile the backend completed;</li>
 *   <li>{@code crossnet_last_resync_timestamp_seconds}: when that was (Unix time; 0 before the first).</li>
 * </ul>
 * Thread-safe.
 */
public final class AgentMetrics {
    private final Counter errors;
    private volatile int peers;
    private volatile Instant lastResync;

    public AgentMetrics(PrometheusRegistry registry) {
        errors = ReconcileErrors.in(registry);
        MetricFamilies.gauge(registry, "crossnet_peers_programmed", "Peers in the last reconcile the backend completed.", () -> peers);
        MetricFamilies.gauge(registry, "crossnet_last_resync_timestamp_seconds",
                "Unix time of the last reconcile the backend completed (0 before the first).",
                () -> lastResync == null ? 0 : lastResync.toEpochMilli() / 1000.0);
    }

    /** Counts one failure of an object of {@code kind} (one of {@link ReconcileErrors}' kinds). */
    public void error(String kind) {
        errors.labelValues(kind).inc();
    }

    public long errors(String kind) {
        return errors.labelValues(kind).getLongValue();
    }

    /** Records a completed reconcile of {@code count} peers at {@code at}. */
    public void resynced(int count, Instant at) {
        peers = count;
        lastResync = at;
    }

    public int peersProgrammed() {
        return peers;
    }

    public Instant lastResync() {
        return lastResync;
    }
}

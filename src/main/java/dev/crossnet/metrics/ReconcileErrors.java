package dev.crossnet.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * {@code crossnet_reconcile_errors_total{kind}}: failed attempts to bring one kind of object in line
 * with the store, each retried. One family shared by the agent and the backends, so every kind is
 * in one place on {@code /metrics}.
 */
public final class ReconcileErrors {
    public static final String NAME = "crossnet_reconcile_errors_total";
    /** This host's lease: acquire, renew, set up. */
    public static final String LEASE = "lease";
    /** The backend's kernel state for the peers (routes, FDB, neighbours). */
    public static final String PEERS = "peers";
    /** A userspace datapath loop that died, or a failed restart of one. */
    public static final String DATAPATH = "datapath";
    /** The Docker networks and endpoints of this host. */
    public static final String DOCKER = "docker";

    private ReconcileErrors() {
    }

    /** The family in {@code registry}, created on first use with every known kind at 0. Idempotent. */
    public static Counter in(PrometheusRegistry registry) {
        Counter f = MetricFamilies.counter(registry, NAME,
                "Failed attempts to bring an object of this kind in line with the store (each is retried).", "kind");
        for (String kind : new String[] {LEASE, PEERS, DATAPATH, DOCKER}) {
            f.labelValues(kind); // present at 0, so that rate() has a series from the start
        }
        return f;
    }
}

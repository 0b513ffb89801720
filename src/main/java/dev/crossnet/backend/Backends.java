package dev.crossnet.backend;

import dev.crossnet.backend.hostgw.HostGwBackend;
import dev.crossnet.backend.udp.UdpBackend;
import dev.crossnet.backend.vxlan.VxlanBackend;
import dev.crossnet.kernel.Kernel;
import dev.crossnet.metrics.ReconcileErrors;
import dev.crossnet.model.BackendConfig;
import dev.crossnet.seal.SealIdentity;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.function.Supplier;

/** Chooses the {@link Backend} for a configured type. */
public final class Backends {

    private Backends() {
    }

    /**
     * The backend for {@code type}, programming {@code kernel}.
     *
     * @param metrics where data-plane counters go (the udp backend's per-peer counters)
     */
    public static Backend create(BackendConfig.Type type, Kernel kernel, PrometheusRegistry metrics) {
        return create(type, kernel, metrics, UdpBackend.NO_SEAL);
    }

    /** Like {@link #create(BackendConfig.Type, Kernel, PrometheusRegistry)}; {@code seal} serves encrypted udp networks. */
    public static Backend create(BackendConfig.Type type, Kernel kernel, PrometheusRegistry metrics, Supplier<SealIdentity> seal) {
        return switch (type) {
            case VXLAN -> new VxlanBackend(kernel, peerError(metrics));
            case HOST_GW -> new HostGwBackend(kernel, peerError(metrics));
            case UDP -> new UdpBackend(kernel, metrics, seal);
        };
    }

    /** Counts one refused peer entry as {@code crossnet_reconcile_errors_total{kind="peers"}}. */
    private static Runnable peerError(PrometheusRegistry metrics) {
        io.prometheus.metrics.core.datapoints.CounterDataPoint c = ReconcileErrors.in(metrics).labelValues(ReconcileErrors.PEERS);
        return c::inc;
    }
}

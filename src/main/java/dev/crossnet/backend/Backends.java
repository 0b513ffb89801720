package dev.crossnet.backend;

import dev.crossnet.backend.hostgw.HostGwBackend;
import dev.crossnet.backend.udp.UdpBackend;
import dev.crossnet.backend.vxlan.VxlanBackend;
import dev.crossnet.kernel.Kernel;
import dev.crossnet.model.BackendConfig;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

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
        return switch (type) {
            case VXLAN -> new VxlanBackend(kernel);
            case HOST_GW -> new HostGwBackend(kernel);
            case UDP -> new UdpBackend(metrics);
        };
    }
}

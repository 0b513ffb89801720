package dev.crossnet.backend;

import dev.crossnet.CrossnetException;
import dev.crossnet.backend.hostgw.HostGwBackend;
import dev.crossnet.backend.vxlan.VxlanBackend;
import dev.crossnet.kernel.Kernel;
import dev.crossnet.model.BackendConfig;

/** Chooses the {@link Backend} for a configured type. */
public final class Backends {

    private Backends() {
    }

    /**
     * The backend for {@code type}, programming {@code kernel}.
     *
     * @throws CrossnetException for a type that has no implementation yet
     */
    public static Backend create(BackendConfig.Type type, Kernel kernel) {
        return switch (type) {
            case VXLAN -> new VxlanBackend(kernel);
            case HOST_GW -> new HostGwBackend(kernel);
            // The udp backend (TUN + UDP in Java) is written by another team; it plugs in here.
            case UDP -> throw new CrossnetException("the udp backend is not available yet");
        };
    }
}

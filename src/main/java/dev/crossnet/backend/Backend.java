package dev.crossnet.backend;

import dev.crossnet.model.NetworkConfig;

/**
 * One data-plane mechanism ({@code VxlanBackend}, {@code HostGwBackend}, …), after flannel's
 * {@code backend.Backend}.
 */
public interface Backend {

    /** The {@code BackendType} this backend publishes in leases, e.g. {@code vxlan}. */
    String type();

    /**
     * Prepares host-level kernel objects (for vxlan: the VTEP device) idempotently, before the
     * lease is acquired, and returns the network that will run on it. Adopts matching existing
     * state; refuses with a clear {@link dev.crossnet.CrossnetException} when a foreign object with
     * our name has incompatible settings.
     */
    Network register(HostContext host, NetworkConfig config);
}

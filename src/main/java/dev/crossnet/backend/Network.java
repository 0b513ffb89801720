package dev.crossnet.backend;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crossnet.model.Lease;
import java.util.Collection;

/**
 * A backend running on this host for one crossnet network, after flannel's {@code backend.Network}.
 *
 * <p>Lifecycle: {@link #backendData()} and {@link #mtu()} are read to build the lease; once the
 * lease is held, {@link #start} is called, then {@link #reconcile} on every change of the peer set;
 * every resync interval both are called again (start first), to repair what someone deleted or
 * changed. {@link #close} stops threads and leaves all kernel state in place, so that a restarted
 * agent adopts it and traffic does not stop.
 */
public interface Network extends AutoCloseable {

    /** What goes in the lease's BackendData (e.g. {@code {"VNI":1,"VtepMAC":"…"}}); null if nothing. */
    JsonNode backendData();

    /** The MTU containers on this host must use. */
    int mtu();

    /**
     * Configures this host's own part for {@code own} (e.g. the VTEP device, its MTU and address),
     * making again what is missing. Idempotent and cheap when nothing changed: it runs on every resync.
     */
    void start(dev.crossnet.model.Lease own);

    /**
     * Makes the kernel match {@code peers} (every lease but this host's): adds and replaces what is
     * missing or wrong, and removes entries it created for peers that are gone. Never touches
     * entries it did not create. Idempotent; called from one thread.
     */
    void reconcile(Collection<Lease> peers);

    /**
     * Restarts what of this network's own machinery has failed (the udp backend's datapath loops),
     * once its backoff allows. Called from the agent's loop every turn (at least once a second), so
     * it must be cheap when all runs. Never throws. Default: there is nothing to supervise.
     */
    default void supervise() {
    }

    /**
     * The backend-specific settings in force, as strings, for {@code crossnet status} (e.g. the udp
     * backend's {@code {"offloads":"on","batch":"64"}}). Thread-safe. Default: none.
     */
    default java.util.Map<String, String> settings() {
        return java.util.Map.of();
    }

    /**
     * What of this network's own machinery is down and why (e.g. {@code "udp datapath down: …"}),
     * or null while everything runs. Thread-safe; for {@code /readyz}.
     */
    default String fault() {
        return null;
    }

    @Override
    void close();
}

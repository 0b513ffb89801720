package dev.crossnet.backend.hostgw;

import dev.crossnet.backend.Backend;
import dev.crossnet.backend.HostContext;
import dev.crossnet.backend.Network;
import dev.crossnet.kernel.Kernel;
import dev.crossnet.model.BackendConfig;
import dev.crossnet.model.NetworkConfig;

/**
 * The host-gw backend (type {@code host-gw}), compatible with flannel's.
 *
 * <h2>How it works</h2>
 * Per host: IP forwarding, and a bridge {@code crossnet-gw} carrying the subnet's network address as /32
 * (e.g. {@code 10.5.1.0/32}), this host's address on the overlay: a bridge with no ports, nothing routes through it, the overlay probe
 * answers there (vxlan and udp give the same address to their own device). Per peer, for a peer with subnet {@code 10.5.2.0/24} and
 * PublicIP {@code 192.168.1.3} reached over {@code eth0}:
 * <pre>
 *   route  10.5.2.0/24 via 192.168.1.3 dev eth0 proto 152
 * </pre>
 * The peer host forwards the packet to its container bridge. This only works when the peer is on our
 * underlay's L2 subnet (the gateway must be on-link); a peer that is not is refused with a logged
 * error naming it and skipped. The container MTU is the underlay MTU (nothing is added), unless
 * {@code Backend.MTU} is set.
 */
public final class HostGwBackend implements Backend {

    /** The bridge that carries this host's overlay address. */
    public static final String DEVICE = "crossnet-gw";

    private final Kernel kernel;
    private final Runnable onPeerError;

    /** A backend whose refused routes are logged and retried, not counted. */
    public HostGwBackend(Kernel kernel) {
        this(kernel, () -> { });
    }

    /** @param onPeerError called once per route the kernel refuses, per attempt (counts it in /metrics) */
    public HostGwBackend(Kernel kernel, Runnable onPeerError) {
        this.kernel = kernel;
        this.onPeerError = onPeerError;
    }

    @Override
    public String type() {
        return BackendConfig.Type.HOST_GW.wire();
    }

    /** Creates nothing: host-gw has no device of its own. */
    @Override
    public Network register(HostContext host, NetworkConfig config) {
        int mtu = config.backend().mtu() != 0 ? config.backend().mtu() : host.ifaceMtu();
        return new HostGwNetwork(kernel, host, config, mtu, onPeerError);
    }
}

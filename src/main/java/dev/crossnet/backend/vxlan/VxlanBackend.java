package dev.crossnet.backend.vxlan;

import dev.crossnet.backend.Backend;
import dev.crossnet.backend.HostContext;
import dev.crossnet.backend.Network;
import dev.crossnet.kernel.Kernel;
import dev.crossnet.kernel.Link;
import dev.crossnet.kernel.VxlanSpec;
import dev.crossnet.model.BackendConfig;
import dev.crossnet.model.NetworkConfig;

/**
 * The vxlan backend (type {@code vxlan}), wire-compatible with flannel's.
 *
 * <h2>How it works</h2>
 * Per host, once: a vxlan device {@code crossnet.<VNI>} ({@code nolearning}, {@code local <PublicIP>},
 * {@code dev <iface>}, UDP port 8472 unless configured), with a VTEP MAC derived from PublicIP and VNI
 * ({@link VtepMac}) and the host subnet's network address as {@code /32}. The MAC goes into the lease as
 * {@code BackendData {"VNI":1,"VtepMAC":"…"}}.
 *
 * <p>Per peer, for a peer with subnet {@code 10.5.2.0/24}, PublicIP {@code 192.168.1.3} and VtepMAC
 * {@code 0a:11:22:33:44:55}:
 * <pre>
 *   neighbour  10.5.2.0 lladdr 0a:11:22:33:44:55 dev crossnet.1 nud permanent
 *   fdb        0a:11:22:33:44:55 dev crossnet.1 dst 192.168.1.3 self permanent
 *   route      10.5.2.0/24 via 10.5.2.0 dev crossnet.1 onlink proto 152
 * </pre>
 * A packet for 10.5.2.7 takes the route to gateway 10.5.2.0, whose neighbour entry gives the inner
 * destination MAC, whose FDB entry gives the outer destination IP. With {@code DirectRouting}, a peer
 * whose PublicIP is on our underlay's L2 subnet instead gets only
 * {@code 10.5.2.0/24 via 192.168.1.3 dev eth0 proto 152}: no encapsulation.
 *
 * <p>The container MTU is the underlay MTU minus {@link VxlanSpec#OVERHEAD} unless {@code Backend.MTU} is set.
 */
public final class VxlanBackend implements Backend {

    /** Device name prefix; the VNI follows, e.g. {@code crossnet.1}. */
    public static final String DEVICE_PREFIX = "crossnet.";

    private final Kernel kernel;
    private final Runnable onPeerError;

    /** A backend whose refused peer entries are logged and retried, not counted. */
    public VxlanBackend(Kernel kernel) {
        this(kernel, () -> { });
    }

    /** @param onPeerError called once per peer entry the kernel refuses, per attempt (counts it in /metrics) */
    public VxlanBackend(Kernel kernel, Runnable onPeerError) {
        this.kernel = kernel;
        this.onPeerError = onPeerError;
    }

    @Override
    public String type() {
        return BackendConfig.Type.VXLAN.wire();
    }

    /**
     * Checks, without changing anything, that the vxlan device can be ours: absent, or present with
     * our settings (then it is adopted with its MAC, which is what peers have in their FDB). The
     * device itself is made in {@link VxlanNetwork#start}, once the lease is held, so that a failed
     * lease (a full pool, an unreachable store) leaves nothing in the kernel. Blocking.
     *
     * @throws dev.crossnet.CrossnetException when a device with our name has other settings
     */
    @Override
    public Network register(HostContext host, NetworkConfig config) {
        BackendConfig b = config.backend();
        int mtu = mtu(b, host.ifaceMtu());
        VxlanSpec spec = new VxlanSpec(DEVICE_PREFIX + b.vni(), b.vni(), b.port(), host.publicIp(), host.iface(),
                VtepMac.derive(host.publicIp(), b.vni()), mtu, false);
        String mac = spec.mac();
        java.util.Optional<Link> existing = kernel.links().find(spec.name());
        if (existing.isPresent()) {
            java.util.List<String> differences = spec.differencesFrom(existing.get());
            if (!differences.isEmpty()) {
                throw new dev.crossnet.CrossnetException("device " + spec.name() + " already exists with incompatible settings: "
                        + String.join(", ", differences) + "; delete it (ip link del " + spec.name()
                        + ") or change the network config to match");
            }
            mac = existing.get().mac();
        }
        return new VxlanNetwork(kernel, host, config, spec.withMac(mac), mtu, onPeerError);
    }

    /** {@code Backend.MTU} when set, else the underlay MTU less the vxlan overhead. */
    static int mtu(BackendConfig b, int underlayMtu) {
        return b.mtu() != 0 ? b.mtu() : underlayMtu - VxlanSpec.OVERHEAD;
    }
}

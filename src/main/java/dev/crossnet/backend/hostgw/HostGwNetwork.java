package dev.crossnet.backend.hostgw;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crossnet.backend.HostContext;
import dev.crossnet.backend.Network;
import dev.crossnet.backend.PeerPlan;
import dev.crossnet.backend.Peers;
import dev.crossnet.kernel.Kernel;
import dev.crossnet.kernel.Route;
import dev.crossnet.model.BackendConfig;
import dev.crossnet.model.Lease;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.model.Subnet;
import dev.crossnet.reconcile.KernelState;
import dev.crossnet.reconcile.KernelWriter;
import dev.crossnet.reconcile.Memo;
import inet.ipaddr.IPAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The host-gw backend on one host; see {@link HostGwBackend}. {@link #reconcile} is called from one thread. */
final class HostGwNetwork implements Network {

    private static final Logger LOG = LoggerFactory.getLogger(HostGwNetwork.class);

    private final Kernel kernel;
    private final HostContext host;
    private final NetworkConfig config;
    private final int mtu;
    private Subnet own;
    private final KernelWriter writer;
    /** The routes of the last peers: a resync with an unchanged store only reads and compares the kernel. */
    private final Memo<PeerPlan> plans = new Memo<>();

    HostGwNetwork(Kernel kernel, HostContext host, NetworkConfig config, int mtu, Runnable onPeerError) {
        this.writer = new KernelWriter(kernel, LOG, "host-gw", java.time.Clock.systemUTC(), onPeerError);
        this.kernel = kernel;
        this.host = host;
        this.config = config;
        this.mtu = mtu;
    }

    /** host-gw publishes nothing but its PublicIP. */
    @Override
    public JsonNode backendData() {
        return null;
    }

    @Override
    public int mtu() {
        return mtu;
    }

    /**
     * Gives this host its overlay address, the subnet's network address as /32 on the bridge {@link
     * HostGwBackend#DEVICE} (host-gw has no device of its own; the overlay probe answers there), and turns on
     * forwarding. Idempotent.
     */
    @Override
    public void start(Lease ownLease) {
        own = ownLease.subnet();
        kernel.links().ensureBridge(HostGwBackend.DEVICE);
        IPAddress address = own.network().setPrefixLength(own.bitCount(), false);
        kernel.links().ensureOnlyAddress(HostGwBackend.DEVICE, address);
        kernel.sysctl().ensureIpForwarding();
    }

    @Override
    public void reconcile(Collection<Lease> peers) {
        Subnet forOwn = own;
        PeerPlan plan = plans.get(peers, forOwn, () -> plan(host, config, forOwn, peers));
        writer.program(plan.desired(), () -> new KernelState(kernel.routes().listOwned().stream()
                .filter(r -> config.network().contains(r.dst()))
                .collect(Collectors.toSet()), Set.of(), Set.of()), plan.skipped());
    }

    @Override
    public void close() {
        // No threads; routes stay so that a restarted agent adopts them.
    }

    /**
     * The routes for {@code peers}. Pure. A peer that {@link Peers#problem} refuses or that is not
     * on our L2 subnet is left out with a sentence naming it. A lease that names no BackendType is
     * taken as host-gw ({@link Peers#belongsTo}): a route needs only the PublicIP.
     */
    static PeerPlan plan(HostContext host, NetworkConfig config, Subnet own, Collection<Lease> peers) {
        Set<Route> routes = new HashSet<>();
        List<String> skipped = new ArrayList<>();
        for (Lease peer : Peers.bySubnet(peers)) {
            Subnet sn = peer.subnet();
            if (sn.equals(own)) {
                continue;
            }
            String problem = Peers.problem(peer, BackendConfig.Type.HOST_GW.wire(), host, config.network());
            IPAddress ip = Peers.publicIp(peer);
            if (problem != null) {
                skipped.add(problem);
            } else if (!host.ifaceSubnet().contains(ip)) {
                skipped.add("cannot route to peer " + sn + " at " + ip + ": " + ip + " is not on our L2 subnet "
                        + host.ifaceSubnet() + " (" + host.iface() + "); host-gw needs every host on one L2"
                        + " network (use vxlan, with DirectRouting for the hosts that are); skipped");
            } else {
                routes.add(new Route(sn, ip, host.iface(), false));
            }
        }
        return new PeerPlan(new KernelState(routes, Set.of(), Set.of()), skipped);
    }
}

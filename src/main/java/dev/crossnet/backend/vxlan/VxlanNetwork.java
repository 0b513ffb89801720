package dev.crossnet.backend.vxlan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crossnet.backend.HostContext;
import dev.crossnet.backend.Network;
import dev.crossnet.backend.PeerPlan;
import dev.crossnet.backend.Peers;
import dev.crossnet.kernel.FdbEntry;
import dev.crossnet.kernel.Kernel;
import dev.crossnet.kernel.Link;
import dev.crossnet.kernel.VxlanSpec;
import dev.crossnet.kernel.Neighbour;
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
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The vxlan backend running on one host; see {@link VxlanBackend} for the kernel objects. {@link
 * #reconcile} is called from one thread; {@link #backendData()} and {@link #mtu()} are immutable.
 */
final class VxlanNetwork implements Network {

    private static final Logger LOG = LoggerFactory.getLogger(VxlanNetwork.class);

    private final Kernel kernel;
    private final HostContext host;
    private final NetworkConfig config;
    private final String device;
    private final String vtepMac;
    private final int mtu;
    private Subnet own;
    private final KernelWriter writer;
    /** The desired state of the last peers: a resync with an unchanged store only reads and compares the kernel. */
    private final Memo<PeerPlan> plans = new Memo<>();
    /** The kernel state of the last listings read. */
    private final Memo<KernelState> reads = new Memo<>();
    /** The device's ifindex when last seen, 0 before: another one means it was made again. */
    private int deviceIndex;

    private final VxlanSpec spec;

    VxlanNetwork(Kernel kernel, HostContext host, NetworkConfig config, VxlanSpec spec, int mtu, Runnable onPeerError) {
        this(kernel, host, config, spec.name(), spec.mac(), mtu, spec, onPeerError);
    }

    private VxlanNetwork(Kernel kernel, HostContext host, NetworkConfig config, String device, String vtepMac, int mtu,
                         VxlanSpec spec, Runnable onPeerError) {
        this.writer = new KernelWriter(kernel, LOG, "vxlan", java.time.Clock.systemUTC(), onPeerError);
        this.spec = spec;
        this.kernel = kernel;
        this.host = host;
        this.config = config;
        this.device = device;
        this.vtepMac = vtepMac;
        this.mtu = mtu;
    }

    @Override
    public JsonNode backendData() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("VNI", config.backend().vni());
        o.put("VtepMAC", vtepMac);
        return o;
    }

    @Override
    public int mtu() {
        return mtu;
    }

    /** VNI, UDP port, device and whether DirectRouting is on. */
    @Override
    public java.util.Map<String, String> settings() {
        return java.util.Map.of("vni", String.valueOf(spec.vni()), "port", String.valueOf(spec.port()), "device", device,
                "directRouting", config.backend().directRouting() ? "on" : "off");
    }

    /** The vxlan device's name, e.g. {@code crossnet.1}. */
    String device() {
        return device;
    }

    /** Gives the device the subnet's network address as /32 (as flannel does) and turns on forwarding. */
    @Override
    public void start(Lease ownLease) {
        own = ownLease.subnet();
        // Made here, not in register(): only a host that holds a lease gets a device.
        Link link = kernel.links().ensureVxlan(spec);
        if (deviceIndex != 0 && link.index() != deviceIndex) {
            LOG.warn("vxlan device {} had been deleted; made it again (its peers' entries follow)", device);
        }
        deviceIndex = link.index();
        IPAddress address = own.network().setPrefixLength(own.bitCount(), false);
        if (!link.addresses().stream().filter(IPAddress::isIPv4).toList().equals(List.of(address))) {
            kernel.links().ensureOnlyAddress(device, address);
        }
        kernel.sysctl().ensureIpForwarding();
    }

    @Override
    public void reconcile(Collection<Lease> peers) {
        Subnet forOwn = own;
        PeerPlan plan = plans.get(peers, forOwn, () -> plan(device, host, config, forOwn, peers));
        writer.program(plan.desired(), this::actual, plan.skipped());
    }

    /** The crossnet-owned state this network manages: proto-152 routes into the Network, and the device's entries. */
    KernelState actual() {
        List<Route> routes = kernel.routes().listOwned();
        List<Neighbour> neighbours = kernel.neighbours().listPermanent(device);
        List<FdbEntry> fdb = kernel.fdb().listPermanent(device);
        // An unchanged listing is the same object (the kernel package's parse cache): no new state to build.
        return reads.get(List.of(routes, neighbours, fdb), null, () -> new KernelState(routes.stream()
                .filter(r -> config.network().contains(r.dst())).collect(Collectors.toSet()),
                new HashSet<>(neighbours), new HashSet<>(fdb)));
    }

    @Override
    public void close() {
        // No threads; kernel state stays so that a restarted agent adopts it.
    }

    /**
     * The desired state for {@code peers}. Pure. Peers are left out (with a reason) when {@link
     * Peers#problem} finds one, when they publish no unicast VtepMAC or another VNI, or when they
     * duplicate an earlier peer's VtepMAC; the lease for {@code own} is ignored. A lease that names no
     * BackendType is taken as vxlan ({@link Peers#belongsTo}), and then needs a VtepMAC like any other.
     */
    static PeerPlan plan(String device, HostContext host, NetworkConfig config, Subnet own, Collection<Lease> peers) {
        BackendConfig backend = config.backend();
        Set<Route> routes = new HashSet<>();
        Set<Neighbour> neighbours = new HashSet<>();
        Set<FdbEntry> fdb = new HashSet<>();
        List<String> skipped = new ArrayList<>();
        Set<String> macs = new HashSet<>();
        for (Lease peer : Peers.bySubnet(peers)) {
            Subnet sn = peer.subnet();
            if (sn.equals(own)) {
                continue;
            }
            String problem = Peers.problem(peer, BackendConfig.Type.VXLAN.wire(), host, config.network());
            if (problem == null) {
                // flanneld skips these too: it cannot decode a VtepMAC from missing BackendData.
                problem = Peers.vtepMacProblem(peer);
                if (problem != null && Peers.namesNoBackend(peer)) {
                    problem = problem.replaceFirst("; skipped$", " and the lease names no BackendType (a reservation"
                            + " not taken up yet, or a host running flanneld's udp backend?); skipped");
                }
            }
            if (problem != null) {
                skipped.add(problem);
                continue;
            }
            IPAddress publicIp = Peers.publicIp(peer);
            String name = "peer " + sn + " at " + publicIp;
            String mac = Peers.vtepMac(peer).toLowerCase(Locale.ROOT);
            int vni = peer.attrs().backendData().path("VNI").asInt(backend.vni());
            if (vni != backend.vni()) {
                skipped.add(name + " uses VNI " + vni + ", we use " + backend.vni() + "; skipped");
                continue;
            }
            if (backend.directRouting() && host.ifaceSubnet().contains(publicIp)) {
                // Same L2 segment: route straight to the peer, no encapsulation (flannel's DirectRouting).
                routes.add(new Route(sn, publicIp, host.iface(), false));
                continue;
            }
            if (!macs.add(mac)) {
                skipped.add(name + " publishes VtepMAC " + mac + ", which another peer already uses; skipped");
                continue;
            }
            IPAddress gateway = sn.network();
            neighbours.add(new Neighbour(gateway, mac, device));
            fdb.add(new FdbEntry(mac, publicIp, device));
            routes.add(new Route(sn, gateway, device, true));
        }
        return new PeerPlan(new KernelState(routes, neighbours, fdb), skipped);
    }
}

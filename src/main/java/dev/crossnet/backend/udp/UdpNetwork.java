package dev.crossnet.backend.udp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crossnet.backend.Network;
import dev.crossnet.backend.Peers;
import dev.crossnet.model.BackendConfig;
import dev.crossnet.model.Lease;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.model.Subnet;
import dev.crossnet.tun.LinuxTun;
import dev.crossnet.udp.Endpoints;
import dev.crossnet.udp.LinuxUdp;
import inet.ipaddr.IPAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One network on the udp backend (see {@link UdpBackend} for how it works). The first {@link
 * #start} opens the socket and the TUN device and starts the datapath; {@link #reconcile} (before
 * or after) swaps in a new immutable forwarding table without stopping traffic; {@link #close}
 * stops the datapath threads and releases the fds, leaving the device, its address and route in
 * place.
 */
final class UdpNetwork implements Network {

    private static final Logger LOG = LoggerFactory.getLogger(UdpNetwork.class);

    private final NetworkConfig config;
    private final int mtu;
    private final long local;
    private final int batch;
    private final UdpBackend.Offload offload;
    private final UdpMetrics metrics;
    private LinuxTun tun;
    private LinuxUdp socket;
    private UdpDatapath datapath;
    private ForwardingTable table = ForwardingTable.EMPTY;
    private Set<String> peerLabels = Set.of();
    private List<String> lastSkipped = List.of();

    UdpNetwork(NetworkConfig config, int mtu, long local, int batch, UdpBackend.Offload offload, UdpMetrics metrics) {
        this.config = config;
        this.mtu = mtu;
        this.local = local;
        this.batch = batch;
        this.offload = offload;
        this.metrics = metrics;
    }

    /** flannel's udp backend publishes no BackendData; neither do we. */
    @Override
    public JsonNode backendData() {
        return null;
    }

    @Override
    public int mtu() {
        return mtu;
    }

    /**
     * On the first call binds the socket, creates or adopts {@code crossnet0} and starts the
     * datapath; then gives {@code crossnet0} the lease's first address as a /32, sets its MTU,
     * brings it up and routes the whole network through it. Idempotent; runs in the calling
     * thread's network namespace.
     *
     * @throws dev.crossnet.CrossnetException when the port cannot be bound or the device opened
     *                                        (nothing is left open then)
     */
    @Override
    public void start(Lease own) {
        Subnet s = own.subnet();
        if (datapath == null) {
            open();
        }
        datapath.ownSubnet(s);
        if (!datapath.running()) {
            datapath.start();
            LOG.info("udp backend: {} on {}, mtu {}, {}", tun.name(), Endpoints.toString(local), mtu, mode());
        }
        String address = s.address(0).toCanonicalString();
        IpCommands.replaceOnlyAddress(tun.name(), address + "/32");
        // The link must be up before a route may point at it.
        IpCommands.ensureLinkUp(tun.name(), mtu);
        IpCommands.replaceRoute(config.network().toString(), tun.name(), address);
    }

    private void open() {
        boolean wantUdp = offload == UdpBackend.Offload.TUN_AND_UDP;
        // The socket first: a taken port then fails before the device is made.
        LinuxUdp sock = LinuxUdp.open(local, batch, wantUdp);
        try {
            tun = LinuxTun.open(UdpBackend.DEVICE, offload != UdpBackend.Offload.NONE && batch > 1);
        } catch (RuntimeException e) {
            sock.close();
            throw e;
        }
        if (!tun.vnetHdr()) {
            sock.disableGro(); // the plain loops read one datagram per buffer
        }
        socket = sock;
        datapath = new UdpDatapath(tun, socket, batch, metrics);
        datapath.table(table);
    }

    /** The mode in force, for the log and for benchmarks. */
    String mode() {
        if (batch == 1) {
            return "per-packet mode (no offloads)";
        }
        return "batched mode (recvmmsg/sendmmsg up to " + batch + "); TUN offloads "
                + (tun.vnetHdr() ? "on (IFF_VNET_HDR, TSO split, TCP coalescing)" : "off (one packet per syscall)")
                + "; UDP GSO " + (socket.gso() && tun.vnetHdr() ? "on" : "off") + "; UDP GRO " + (socket.gro() ? "on" : "off")
                + (offload != UdpBackend.Offload.TUN_AND_UDP ? " (offloads limited to " + offload + ")" : "");
    }

    /**
     * Replaces the forwarding table with one entry per udp peer in {@code peers} (subnet →
     * PublicIP:Port) and drops the counters of peers that left. Leases left out by {@link #plan}
     * are logged once each time the set of them changes. Idempotent.
     */
    @Override
    public void reconcile(Collection<Lease> peers) {
        Plan plan = plan(config.backend().port(), peers);
        if (!plan.skipped().equals(lastSkipped)) {
            plan.skipped().forEach(s -> LOG.warn("udp backend: {}", s));
            lastSkipped = plan.skipped();
        }
        List<Peer> entries = new ArrayList<>();
        Set<String> labels = new HashSet<>();
        for (Target t : plan.targets()) {
            entries.add(new Peer(t.subnet(), t.endpoint(), metrics));
            labels.add(t.subnet().toString());
        }
        table = ForwardingTable.of(entries);
        if (datapath != null) {
            datapath.table(table);
        }
        for (String gone : peerLabels) {
            if (!labels.contains(gone)) {
                metrics.forget(gone);
            }
        }
        peerLabels = labels;
    }

    /**
     * The forwarding targets for {@code peers}, in subnet order. Pure. Like flanneld's udp backend,
     * a peer needs only an IPv4 subnet and PublicIP; a lease that names no BackendType (flanneld's
     * udp hosts write none) is taken as udp ({@link Peers#belongsTo}). A lease that names another
     * backend is left out, with a sentence naming it, as is one without a valid PublicIP.
     */
    static Plan plan(int port, Collection<Lease> peers) {
        List<Target> targets = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (Lease peer : Peers.bySubnet(peers)) {
            Subnet sn = peer.subnet();
            IPAddress ip = Peers.publicIp(peer);
            String name = "peer " + sn + (ip == null ? "" : " at " + ip);
            if (!Peers.belongsTo(peer, BackendConfig.Type.UDP)) {
                skipped.add(name + " runs backend \"" + Peers.backendType(peer) + "\", not udp; skipped");
            } else if (!sn.isIpv4()) {
                skipped.add(name + " has an IPv6 subnet, which the udp backend does not carry; skipped");
            } else if (ip == null) {
                String raw = peer.attrs() == null ? null : peer.attrs().publicIp();
                skipped.add(name + (raw == null ? " has no PublicIP" : " has no valid PublicIP (\"" + raw + "\")")
                        + "; skipped");
            } else {
                targets.add(new Target(sn, Endpoints.of(ip, port)));
            }
        }
        return new Plan(targets, skipped);
    }

    /** One forwarding-table entry to make: a peer's subnet and the UDP endpoint (PublicIP:Port) serving it. */
    record Target(Subnet subnet, long endpoint) {
        @Override
        public String toString() {
            return subnet + " via " + Endpoints.toString(endpoint);
        }
    }

    /** The targets for a set of peers, and one sentence per peer left out. */
    record Plan(List<Target> targets, List<String> skipped) {
        Plan {
            targets = List.copyOf(targets);
            skipped = List.copyOf(skipped);
        }
    }

    /** The forwarding table in force; for tests. */
    ForwardingTable table() {
        return table;
    }

    /** Why the datapath stopped, or null while it runs; for the agent's supervisor. */
    Throwable failure() {
        return datapath == null ? null : datapath.failure();
    }

    @Override
    public void close() {
        if (datapath != null) {
            datapath.close();
            tun.close();
            socket.close();
        }
    }

}

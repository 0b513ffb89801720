package dev.crossnet.backend.udp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crossnet.ProblemLog;
import dev.crossnet.backend.HostContext;
import dev.crossnet.backend.Network;
import dev.crossnet.backend.Peers;
import dev.crossnet.model.BackendConfig;
import dev.crossnet.model.Lease;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.model.Subnet;
import dev.crossnet.tun.LinuxTun;
import dev.crossnet.udp.Endpoints;
import dev.crossnet.udp.LinuxUdp;
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

    private final HostContext host;
    private final NetworkConfig config;
    private final ProblemLog problems = new ProblemLog(LOG, "udp backend");
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

    UdpNetwork(HostContext host, NetworkConfig config, int mtu, long local, int batch, UdpBackend.Offload offload, UdpMetrics metrics) {
        this.host = host;
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
     * Replaces the forwarding table with one entry per usable udp lease in {@code peers} (subnet →
     * PublicIP:Port) and drops the counters of peers that left. The others are skipped with a
     * reason, logged once per change (see {@link #usable}). Idempotent.
     */
    @Override
    public void reconcile(Collection<Lease> peers) {
        List<String> skipped = new ArrayList<>();
        List<Peer> entries = new ArrayList<>();
        Set<String> labels = new HashSet<>();
        for (Lease l : usable(host, config, peers, skipped)) {
            entries.add(new Peer(l.subnet(), Endpoints.of(Peers.publicIp(l), config.backend().port()), metrics));
            labels.add(l.subnet().toString());
        }
        problems.report(skipped, List.of());
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
     * The leases of {@code peers} the datapath may send to, in subnet order: udp leases with an
     * IPv4 subnet that {@link Peers#problem} accepts. Each other one adds a sentence to {@code
     * skipped}. Pure.
     */
    static List<Lease> usable(HostContext host, NetworkConfig config, Collection<Lease> peers, List<String> skipped) {
        List<Lease> out = new ArrayList<>();
        for (Lease l : Peers.bySubnet(peers)) {
            String problem = Peers.problem(l, BackendConfig.Type.UDP.wire(), host, config.network());
            if (problem == null && !l.subnet().isIpv4()) {
                problem = "peer " + l.subnet() + " is not an IPv4 subnet; skipped";
            }
            if (problem != null) {
                skipped.add(problem);
            } else {
                out.add(l);
            }
        }
        return out;
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

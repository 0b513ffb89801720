package dev.crossnet.backend.udp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crossnet.backend.Network;
import dev.crossnet.model.Lease;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.model.Subnet;
import dev.crossnet.tun.TunDevice;
import dev.crossnet.udp.Bind;
import dev.crossnet.udp.Endpoints;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One network on the udp backend (see {@link UdpBackend} for how it works). {@link #reconcile}
 * swaps in a new immutable forwarding table without stopping traffic; {@link #close} stops the
 * datapath threads and releases the fds, leaving the device, its address and route in place.
 */
final class UdpNetwork implements Network {

    private static final Logger LOG = LoggerFactory.getLogger(UdpNetwork.class);

    private final NetworkConfig config;
    private final int mtu;
    private final TunDevice tun;
    private final Bind socket;
    private final int batch;
    private final UdpMetrics metrics;
    private final UdpDatapath datapath;
    private boolean started;
    private Set<String> peerLabels = Set.of();

    UdpNetwork(NetworkConfig config, int mtu, TunDevice tun, Bind socket, int batch, UdpMetrics metrics) {
        this.config = config;
        this.mtu = mtu;
        this.tun = tun;
        this.socket = socket;
        this.batch = batch;
        this.metrics = metrics;
        this.datapath = new UdpDatapath(tun, socket, batch, metrics);
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
     * Starts the datapath (first call only), then gives {@code crossnet0} the lease's first address
     * as a /32, sets its MTU, brings it up and routes the whole network through it. Idempotent;
     * runs its {@code ip} commands in the calling thread's network namespace.
     */
    @Override
    public void start(Lease own) {
        Subnet s = own.subnet();
        datapath.ownSubnet(s);
        if (!started) {
            datapath.start();
            started = true;
            LOG.info("udp backend: {} on {}, mtu {}, {}", tun.name(), Endpoints.toString(socket.localEndpoint()), mtu,
                    batch > 1 ? "batched mode (recvmmsg/sendmmsg, up to " + batch + " packets; TUN one packet per syscall)"
                            : "per-packet mode");
        }
        String address = s.address(0).toCanonicalString();
        IpCommands.replaceOnlyAddress(tun.name(), address + "/32");
        // The link must be up before a route may point at it.
        IpCommands.ensureLinkUp(tun.name(), mtu);
        IpCommands.replaceRoute(config.network().toString(), tun.name(), address);
    }

    /**
     * Replaces the forwarding table with one entry per udp lease in {@code peers} (subnet →
     * PublicIP:Port) and drops the counters of peers that left. Leases of another backend type or
     * without an IPv4 PublicIP are skipped with a warning. Idempotent.
     */
    @Override
    public void reconcile(Collection<Lease> peers) {
        List<Peer> entries = new ArrayList<>();
        Set<String> labels = new HashSet<>();
        for (Lease l : peers) {
            String type = l.attrs() == null ? null : l.attrs().backendType();
            IPAddress ip = l.attrs() == null || l.attrs().publicIp() == null ? null
                    : new IPAddressString(l.attrs().publicIp()).getAddress();
            if (!"udp".equals(type) || ip == null || !ip.isIPv4() || !l.subnet().isIpv4()) {
                LOG.warn("udp backend: ignoring lease {} (BackendType {}, PublicIP {})", l.subnet(), type,
                        l.attrs() == null ? null : l.attrs().publicIp());
                continue;
            }
            entries.add(new Peer(l.subnet(), Endpoints.of(ip.withoutPrefixLength(), config.backend().port()), metrics));
            labels.add(l.subnet().toString());
        }
        datapath.table(ForwardingTable.of(entries));
        for (String gone : peerLabels) {
            if (!labels.contains(gone)) {
                metrics.forget(gone);
            }
        }
        peerLabels = labels;
    }

    /** Why the datapath stopped, or null while it runs; for the agent's supervisor. */
    Throwable failure() {
        return datapath.failure();
    }

    @Override
    public void close() {
        datapath.close();
        tun.close();
        socket.close();
    }

}

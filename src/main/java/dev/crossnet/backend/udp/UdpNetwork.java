package dev.crossnet.backend.udp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crossnet.Backoff;
import dev.crossnet.ProblemLog;
import dev.crossnet.backend.HostContext;
import dev.crossnet.backend.Network;
import dev.crossnet.backend.Peers;
import dev.crossnet.kernel.DeviceRoute;
import dev.crossnet.kernel.Kernel;
import dev.crossnet.model.BackendConfig;
import dev.crossnet.model.Lease;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.model.Subnet;
import dev.crossnet.seal.CertificateRejected;
import dev.crossnet.seal.Tunnel;
import dev.crossnet.udp.Endpoints;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import inet.ipaddr.IPAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
 * place. The device's address, MTU, UP flag and route are written through the {@link Kernel} it
 * is given, never by running tools itself.
 *
 * <p>Supervision: a datapath loop that dies (an I/O error on the device or the socket, e.g. the
 * device was deleted) is reported by {@link #fault()} and, on a {@link #supervise()} once its
 * {@link Backoff} allows ({@link #RESTART_MIN} doubling to {@link #RESTART_MAX}), the whole
 * datapath is restarted on a freshly opened device and socket, and the device configured again.
 * A datapath that then runs for {@link #RESTART_MAX} resets the backoff.
 *
 * <p>Threads: {@code start}, {@code reconcile}, {@code supervise} and {@code close} come from the
 * agent's one loop thread; {@link #fault()} may be called from any thread.
 */
final class UdpNetwork implements Network {

    private static final Logger LOG = LoggerFactory.getLogger(UdpNetwork.class);
    static final Duration RESTART_MIN = Duration.ofSeconds(1);
    static final Duration RESTART_MAX = Duration.ofSeconds(60);
    /** The BackendData field of an encrypted network's lease: the host's seal certificate, base64 DER. */
    static final String CERTIFICATE = "Certificate";

    private final Kernel kernel;
    private final HostContext host;
    private final NetworkConfig config;
    private final ProblemLog problems = new ProblemLog(LOG, "udp backend");
    private final int mtu;
    private final int batch;
    private final DatapathIo io;
    private final UdpMetrics metrics;
    private final Clock clock;
    private final Backoff restarts;
    private DatapathIo.Opened opened;
    private UdpDatapath datapath;
    private Lease own;
    private Instant startedAt;
    private boolean noticed; // the current datapath's failure was counted and logged
    private volatile String fault;
    /** {@link #settings()} of the device and socket in use; empty until opened. */
    private volatile java.util.Map<String, String> settings = java.util.Map.of();
    private ForwardingTable table = ForwardingTable.EMPTY;
    private Set<String> peerLabels = Set.of();
    private final Sealer sealer; // null: plain
    private final byte[] ownCertificate; // encrypted only: published in the lease
    private Map<String, SealedPeer> sealed = Map.of(); // by subnet

    /** A peer's tunnel, kept across reconciles while its certificate and endpoint stay the same. */
    private record SealedPeer(String certificate, long endpoint, Tunnel tunnel) {
    }

    UdpNetwork(Kernel kernel, HostContext host, NetworkConfig config, int mtu, long local, int batch,
               UdpBackend.Offload offload, UdpMetrics metrics, Sealer sealer, byte[] ownCertificate) {
        this(kernel, host, config, mtu, batch, new DatapathIo.Linux(local, batch, offload), metrics, Clock.systemUTC(),
                sealer, ownCertificate);
    }

    /** For tests: {@code io} replaces the kernel's device and socket, {@code clock} the system clock. */
    UdpNetwork(Kernel kernel, HostContext host, NetworkConfig config, int mtu, int batch, DatapathIo io, UdpMetrics metrics,
               Clock clock) {
        this(kernel, host, config, mtu, batch, io, metrics, clock, null, null);
    }

    /**
     * For tests, encrypted: {@code sealer} seals and opens every datagram, {@code ownCertificate}
     * (DER) is published as the lease's {@code BackendData.Certificate}.
     */
    UdpNetwork(Kernel kernel, HostContext host, NetworkConfig config, int mtu, int batch, DatapathIo io, UdpMetrics metrics,
               Clock clock, Sealer sealer, byte[] ownCertificate) {
        this.sealer = sealer;
        this.ownCertificate = ownCertificate == null ? null : ownCertificate.clone();
        this.kernel = kernel;
        this.host = host;
        this.config = config;
        this.mtu = mtu;
        this.batch = batch;
        this.io = io;
        this.metrics = metrics;
        this.clock = clock;
        this.restarts = new Backoff(RESTART_MIN, RESTART_MAX, clock);
    }

    /**
     * flannel's udp backend publishes no BackendData; neither do we on a plain network. On an
     * encrypted one: {@code {"Certificate": base64 of this host's seal certificate (DER)}}, public,
     * for peers to verify against the cluster CA.
     */
    @Override
    public JsonNode backendData() {
        if (ownCertificate == null) {
            return null;
        }
        return JsonNodeFactory.instance.objectNode().put(CERTIFICATE, Base64.getEncoder().encodeToString(ownCertificate));
    }

    @Override
    public int mtu() {
        return mtu;
    }

    /**
     * On the first call binds the socket, creates or adopts {@code crossnet0} and starts the
     * datapath; then gives {@code crossnet0} the lease's first address as a /32, sets its MTU,
     * brings it up, routes the whole network through it and turns on forwarding, writing only what
     * differs. While the datapath is down (see {@link #fault()}) only {@link #supervise()} touches
     * the device: it reopens and configures it. Idempotent; the device and socket are opened in the
     * calling thread's network namespace, the rest goes through the kernel this network was given.
     *
     * @throws dev.crossnet.CrossnetException when the port cannot be bound or the device opened
     *                                        (nothing is left open then)
     */
    @Override
    public void start(Lease own) {
        this.own = own;
        if (datapath == null) {
            launch();
        }
        datapath.ownSubnet(own.subnet());
        if (datapath.failure() != null) {
            // Its device may be gone (deleted under it): supervise() reopens it and configures it then;
            // the failure is in fault() meanwhile, not thrown here a second time.
            return;
        }
        configure();
    }

    /** Opens the device and socket and starts a datapath on them with the current table and subnet. */
    private void launch() {
        DatapathIo.Opened o = io.open();
        UdpDatapath dp = new UdpDatapath(o.tun(), o.bind(), batch, metrics, sealer);
        dp.table(table);
        if (own != null) {
            dp.ownSubnet(own.subnet());
        }
        dp.start();
        opened = o;
        settings = settingsOf(o);
        datapath = dp;
        startedAt = clock.instant();
        noticed = false;
        fault = null;
        LOG.info("udp backend: {} on {}, mtu {}, {}", o.tun().name(), Endpoints.toString(o.bind().localEndpoint()), mtu, o.mode());
    }

    private void configure() {
        String dev = opened.tun().name();
        IPAddress address = own.subnet().address(0);
        kernel.links().ensureOnlyAddress(dev, address.setPrefixLength(address.getBitCount(), false));
        // The link must be up before a route may point at it.
        kernel.links().ensureUp(dev, mtu);
        kernel.routes().ensureDeviceRoute(new DeviceRoute(config.network(), dev, address));
        kernel.sysctl().ensureIpForwarding();
    }

    /** Offloads on or off (TUN {@code IFF_VNET_HDR}), UDP GSO and GRO, and the batch size in force. */
    @Override
    public java.util.Map<String, String> settings() {
        return settings;
    }

    private java.util.Map<String, String> settingsOf(DatapathIo.Opened o) {
        return java.util.Map.of("offloads", o.tun().vnetHdr() ? "on" : "off", "udpGso", o.bind().gso() && o.tun().vnetHdr() ? "on" : "off",
                "udpGro", o.bind() instanceof dev.crossnet.udp.LinuxUdp u && u.gro() ? "on" : "off", "batch", String.valueOf(batch));
    }

    /** The mode in force, for the log and for benchmarks. */
    String mode() {
        return opened.mode();
    }

    /**
     * Restarts a datapath whose loop died, once the backoff allows: stops it, closes its device and
     * socket, opens them again and starts a new datapath there. Never throws: a failed restart is
     * counted, logged and tried again later.
     */
    @Override
    public void supervise() {
        if (own == null) {
            return; // never started
        }
        Throwable f = datapath == null ? null : datapath.failure();
        if (datapath != null && f == null) {
            if (restarts.failures() > 0 && !clock.instant().isBefore(startedAt.plus(RESTART_MAX))) {
                restarts.succeeded(); // it stayed up: the next failure starts the backoff over
            }
            return;
        }
        if (datapath != null && !noticed) {
            noticed = true;
            metrics.datapathFailure();
            Instant at = restarts.failed();
            fault = "udp datapath down: the " + datapath.failedLoop() + " loop stopped: " + f + "; restarting at " + at;
            LOG.error("{}", fault);
        }
        if (!restarts.due()) {
            return;
        }
        stopDatapath();
        try {
            launch();
            configure();
            fault = null;
            LOG.warn("udp backend: datapath restarted (attempt {})", restarts.failures());
        } catch (RuntimeException e) {
            stopDatapath();
            metrics.datapathFailure();
            Instant at = restarts.failed();
            fault = "udp datapath down: restarting it failed: " + e.getMessage() + "; next attempt at " + at;
            LOG.error("{}", fault);
        }
    }

    /** Stops the datapath and closes its device and socket, if any. */
    private void stopDatapath() {
        if (datapath != null) {
            datapath.close();
            opened.close();
            datapath = null;
            opened = null;
        }
    }

    /** Why the datapath is down, or null while it runs (including a failure not yet supervised). */
    @Override
    public String fault() {
        String f = fault;
        if (f != null) {
            return f;
        }
        UdpDatapath dp = datapath;
        Throwable t = dp == null ? null : dp.failure();
        return t == null ? null : "udp datapath down: the " + dp.failedLoop() + " loop stopped: " + t;
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
        Map<String, SealedPeer> nowSealed = new HashMap<>();
        for (Lease l : usable(host, config, peers, skipped)) {
            if (sealer == null && !certificateOf(l).isEmpty()) {
                // A peer that runs the network encrypted gets nothing in clear from a host still running it plain
                // (its config changed to Encrypt after this agent started): no route to it until this agent restarts.
                skipped.add("peer " + l.subnet() + " runs the network encrypted (it publishes BackendData." + CERTIFICATE
                        + ") and this agent runs it plain: it gets no traffic; restart this agent to use the network config in the store");
                continue;
            }
            long endpoint = Endpoints.of(Peers.publicIp(l), config.backend().port());
            Tunnel tunnel = sealer == null ? null : tunnel(l, endpoint, nowSealed, skipped);
            entries.add(new Peer(l.subnet(), endpoint, metrics, tunnel));
            labels.add(l.subnet().toString());
        }
        if (sealer != null) {
            for (Map.Entry<String, SealedPeer> e : sealed.entrySet()) {
                SealedPeer now = nowSealed.get(e.getKey());
                if (now == null || now.tunnel() != e.getValue().tunnel()) {
                    sealer.tunnels().removePeer(e.getValue().tunnel());
                }
            }
            sealed = nowSealed;
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

    /**
     * The peer's tunnel: the one it had if its certificate and endpoint are unchanged, else a new
     * one from its published certificate (verified against the cluster CA now), with a handshake
     * started at once. Null, with a sentence in {@code skipped}, when it published none that verifies.
     */
    private Tunnel tunnel(Lease l, long endpoint, Map<String, SealedPeer> nowSealed, List<String> skipped) {
        String key = l.subnet().toString();
        String cert = certificateOf(l);
        SealedPeer old = sealed.get(key);
        if (old != null && old.certificate().equals(cert) && old.endpoint() == endpoint) {
            nowSealed.put(key, old);
            return old.tunnel();
        }
        if (cert.isEmpty()) {
            skipped.add("peer " + key + " publishes no BackendData." + CERTIFICATE + "; the network is encrypted, so it gets no traffic");
            return null;
        }
        try {
            Tunnel t = sealer.tunnels().addPeer(Base64.getDecoder().decode(cert), endpoint);
            nowSealed.put(key, new SealedPeer(cert, endpoint, t));
            sealer.tunnels().initiate(t);
            return t;
        } catch (CertificateRejected | IllegalArgumentException e) {
            skipped.add("peer " + key + ": its BackendData." + CERTIFICATE + " is refused (" + e.getMessage()
                    + "); the network is encrypted, so it gets no traffic");
            return null;
        }
    }

    /** The seal certificate {@code l} publishes (base64 DER), or "" when it runs the network plain. */
    private static String certificateOf(Lease l) {
        JsonNode data = l.attrs() == null ? null : l.attrs().backendData();
        return data == null ? "" : data.path(CERTIFICATE).asText("");
    }

    /** The forwarding table in force; for tests. */
    ForwardingTable table() {
        return table;
    }

    /** Why the current datapath stopped, or null while it runs (or none runs). */
    Throwable failure() {
        UdpDatapath dp = datapath;
        return dp == null ? null : dp.failure();
    }

    @Override
    public void close() {
        stopDatapath();
    }
}

package dev.crossnet.docker.sealed;

import dev.crossnet.CrossnetException;
import dev.crossnet.ProblemLog;
import dev.crossnet.metrics.MetricFamilies;
import dev.crossnet.seal.CertificateRejected;
import dev.crossnet.seal.Limits;
import dev.crossnet.seal.PacketCipher;
import dev.crossnet.seal.SealClock;
import dev.crossnet.seal.SealIdentity;
import dev.crossnet.seal.Tunnel;
import dev.crossnet.seal.Tunnels;
import dev.crossnet.seal.X509Certificates;
import dev.crossnet.tun.LinuxTun;
import dev.crossnet.udp.Endpoints;
import inet.ipaddr.IPAddress;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The encrypted Docker networks' datapath on one host: a TAP device per network on its bridge, one
 * UDP socket on {@link #PORT} for all of them, and the host's sealed {@link Tunnels} to its peers
 * (see {@code package-info.java} for the design and the wire format).
 *
 * <p>Threads: one "sealed-rx" reads the socket (opens, checks, writes to the TAPs), one
 * "sealed-tx-VNI" per network reads its TAP (answers ARP, seals, sends), and a timer expires old
 * keys. Plain blocking loops, one frame at a time. {@link #attach}, {@link #detach} and
 * {@link #program} come from the agent's reconcile thread. Thread-safe.
 */
public final class SealedDatapath implements AutoCloseable {
    /** The UDP port of sealed frames: an unassigned neighbour of vxlan's 4789 (flannel's udp backend has 8285). */
    public static final int PORT = 4793;
    /** What the encrypted datapath adds to a container's packet: 20 IP + 8 UDP + 16 seal header + 4 VNI + 14 Ethernet + 16 tag. */
    public static final int OVERHEAD = 20 + 8 + Tunnels.HEADER + 4 + 14 + 16;
    /** Counter family of frames this datapath dropped, labelled {@code reason} ({@link FrameDrop#label()}). */
    public static final String DROPS = "crossnet_docker_sealed_drops_total";
    /** Counter family of frames sealed and sent, or opened and delivered, labelled {@code direction}. */
    public static final String FRAMES = "crossnet_docker_sealed_frames_total";

    private static final Logger log = LoggerFactory.getLogger(SealedDatapath.class);
    /** Where a frame read from a TAP starts in its buffer: the seal header, then the VNI. */
    private static final int FRAME_OFFSET = Tunnels.HEADER + 4;
    private static final int BUFFER = 65_536;

    /** One encrypted network with a segment here: its TAP, its remote endpoints and the thread reading the TAP. */
    private static final class Net {
        final int vni;
        final LinuxTun tap;
        volatile FrameTable table = FrameTable.EMPTY;
        volatile boolean stop;
        Thread reader;

        Net(int vni, LinuxTun tap) {
            this.vni = vni;
            this.tap = tap;
        }

        /** One writer at a time: the receive thread's frames and the reader's ARP replies. */
        synchronized void write(ByteBuffer b, int off, int len) throws IOException {
            tap.write(new ByteBuffer[] {b}, new int[] {len}, 1, off);
        }
    }

    /** A peer host with a verified certificate: where its datagrams go, and its tunnel. */
    private record Peer(byte[] certificate, long endpoint, InetSocketAddress address, Tunnel tunnel) {
    }

    private final Tunnels tunnels;
    private final DatagramChannel channel;
    private final Supplier<Map<String, byte[]>> certificates;
    private final Map<Integer, Net> nets = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, Peer> peers = new java.util.concurrent.ConcurrentHashMap<>();
    /** A network's remote endpoints by VNI, or null: the receive path's view of {@link #nets}, made once. */
    private final java.util.function.IntFunction<FrameTable> tables = this::table;
    private final CounterDataPoint[] drops = new CounterDataPoint[FrameDrop.values().length];
    private final CounterDataPoint sent;
    private final CounterDataPoint received;
    private final ProblemLog problems = new ProblemLog(log, "encrypted docker peers");
    private final ScheduledExecutorService timer;
    private final Thread receiver;
    private volatile boolean closed;

    private SealedDatapath(Tunnels tunnels, DatagramChannel channel, Supplier<Map<String, byte[]>> certificates,
                           PrometheusRegistry metrics) {
        this.tunnels = tunnels;
        this.channel = channel;
        this.certificates = certificates;
        Counter d = MetricFamilies.counter(metrics, DROPS, "Frames the encrypted Docker datapath dropped, by reason.", "reason");
        for (FrameDrop r : FrameDrop.values()) {
            drops[r.ordinal()] = d.labelValues(r.label());
        }
        Counter f = MetricFamilies.counter(metrics, FRAMES, "Frames of encrypted Docker networks sealed and sent, or"
                + " opened, checked and delivered.", "direction");
        sent = f.labelValues("sent");
        received = f.labelValues("received");
        timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "sealed-expire"));
        timer.scheduleWithFixedDelay(tunnels::expire, 5, 5, TimeUnit.SECONDS);
        receiver = daemon(this::receive, "sealed-rx");
    }

    /**
     * Verifies this host's seal certificate against its cluster CA, binds UDP {@code publicIp}:{@link
     * #PORT} and starts receiving. Blocking until bound.
     *
     * @param limits       key lifetimes and handshake bounds of the tunnels ({@link Limits#DEFAULT}, or the
     *                     agent's {@code --docker-rekey-after})
     * @param certificates the hosts' published seal certificates (DER) by host name, read on every
     *                     {@link #program}; each is verified against the cluster CA before use
     * @throws CrossnetException when the certificate is refused or the port cannot be bound
     */
    public static SealedDatapath start(SealIdentity id, IPAddress publicIp, Limits limits, PrometheusRegistry metrics,
                                       Supplier<Map<String, byte[]>> certificates) {
        X509Certificates ca;
        try {
            ca = X509Certificates.trusting(id.caCertificate());
            ca.verify(id.certificate(), Instant.now()); // peers would refuse it, and nothing would flow
        } catch (CertificateRejected e) {
            throw new CrossnetException("this host's seal certificate is refused: " + e.getMessage(), e);
        }
        DatagramChannel ch;
        try {
            ch = DatagramChannel.open();
            ch.bind(new InetSocketAddress(publicIp.withoutPrefixLength().toInetAddress(), PORT));
        } catch (IOException e) {
            throw new CrossnetException("encrypted docker networks: cannot bind udp " + publicIp.withoutPrefixLength()
                    + ":" + PORT + ": " + e.getMessage(), e);
        }
        DatagramChannel bound = ch;
        Tunnels t = new Tunnels(id.staticPrivate(), id.certificate(), ca, limits, SealClock.SYSTEM,
                (endpoint, datagram) -> send(bound, endpoint, ByteBuffer.wrap(datagram)), metrics);
        SealedDatapath dp = new SealedDatapath(t, ch, certificates, metrics);
        dp.receiver.start();
        log.info("encrypted docker networks: sealed frames on udp {}:{}", publicIp.withoutPrefixLength(), PORT);
        return dp;
    }

    /** The TAP device of network {@code vni}. */
    public static String tapName(int vni) {
        return "cnsx" + vni;
    }

    /**
     * Opens (creating it if need be) the TAP device of network {@code vni} and starts forwarding
     * what it reads; returns its name. Idempotent.
     */
    public synchronized String attach(int vni) {
        Net n = nets.get(vni);
        if (n != null) {
            return n.tap.name();
        }
        Net net = new Net(vni, LinuxTun.openTap(tapName(vni)));
        net.reader = daemon(() -> forward(net), "sealed-tx-" + vni);
        nets.put(vni, net);
        net.reader.start();
        return net.tap.name();
    }

    /** Stops forwarding for network {@code vni} and closes its TAP (the caller deletes the device). Idempotent. */
    public synchronized void detach(int vni) {
        Net n = nets.remove(vni);
        if (n != null) {
            stop(n);
            refreshPeers();
        }
    }

    /**
     * Makes {@code remotes} network {@code vni}'s endpoints on other hosts, and brings the tunnels
     * in line: one per host with an endpoint on an attached network, from that host's published
     * certificate if it verifies and names that host. Never throws; problems are logged once per change.
     */
    public synchronized void program(int vni, Collection<FrameTable.Remote> remotes) {
        Net n = nets.get(vni);
        if (n != null) {
            n.table = FrameTable.of(remotes);
        }
        refreshPeers();
    }

    private void refreshPeers() {
        Map<String, Integer> want = wantedHosts(nets.values().stream().map(n -> n.table).toList());
        Map<String, byte[]> certs;
        try {
            certs = want.isEmpty() ? Map.of() : certificates.get();
        } catch (RuntimeException e) {
            problems.report(List.of(), List.of("cannot read the hosts' seal certificates: " + e.getMessage()));
            return; // the tunnels stay as they are until the store answers
        }
        List<String> skipped = new ArrayList<>();
        for (String host : new ArrayList<>(peers.keySet())) {
            if (!want.containsKey(host)) {
                tunnels.removePeer(peers.remove(host).tunnel());
            }
        }
        want.forEach((host, hostIp) -> {
            long endpoint = Endpoints.of(hostIp, PORT);
            byte[] cert = certs.get(host);
            Peer old = peers.get(host);
            if (old != null && cert != null && Arrays.equals(old.certificate(), cert) && old.endpoint() == endpoint) {
                return;
            }
            if (old != null) {
                tunnels.removePeer(peers.remove(host).tunnel());
            }
            if (cert == null) {
                skipped.add("host " + host + " has published no seal certificate; nothing is sent to it");
                return;
            }
            try {
                Tunnel t = tunnels.addPeer(cert, endpoint);
                if (!t.identity().hostName().equals(host)) {
                    tunnels.removePeer(t);
                    skipped.add("the seal certificate published for host " + host + " is host " + t.identity().hostName()
                            + "'s; nothing is sent to " + host);
                    return;
                }
                peers.put(host, new Peer(cert, endpoint, address(endpoint), t));
                tunnels.initiate(t);
            } catch (CertificateRejected e) {
                skipped.add("the seal certificate of host " + host + " is refused (" + e.getMessage()
                        + "); nothing is sent to it");
            }
        });
        problems.report(skipped, List.of());
    }

    /** The hosts that need a tunnel, with their underlay addresses (the first seen per host), sorted. Pure. */
    static Map<String, Integer> wantedHosts(Collection<FrameTable> tables) {
        Map<String, Integer> want = new TreeMap<>();
        for (FrameTable t : tables) {
            for (FrameTable.Remote r : t.remotes()) {
                want.putIfAbsent(r.host(), r.hostIp());
            }
        }
        return want;
    }

    /** The sending loop of one network: TAP → ARP reply, or seal and send, or drop. */
    private void forward(Net net) {
        ByteBuffer[] bufs = {ByteBuffer.allocateDirect(BUFFER)};
        int[] sizes = new int[1];
        ByteBuffer reply = ByteBuffer.allocateDirect(FrameSwitch.ARP_REPLY_LENGTH);
        ByteBuffer b = bufs[0];
        PacketCipher cipher = new PacketCipher();
        FrameSwitch.Decision d = new FrameSwitch.Decision();
        while (!net.stop) {
            try {
                if (net.tap.read(bufs, sizes, FRAME_OFFSET, 500) == 0) {
                    continue;
                }
                int len = sizes[0];
                if (len > BUFFER - FRAME_OFFSET - 16) {
                    count(FrameDrop.MALFORMED); // no room for the tag; cannot happen below a 64 KiB MTU
                    continue;
                }
                FrameSwitch.outbound(net.table, b, FRAME_OFFSET, len, reply, d);
                if (d.action == FrameSwitch.Action.REPLY) {
                    net.write(reply, 0, FrameSwitch.ARP_REPLY_LENGTH);
                    continue;
                }
                if (d.action == FrameSwitch.Action.DROP) {
                    count(d.drop);
                    continue;
                }
                Peer p = peers.get(d.to.host());
                if (p == null) {
                    count(FrameDrop.NO_PEER);
                    continue;
                }
                b.putInt(Tunnels.HEADER, net.vni);
                int n = tunnels.seal(cipher, p.tunnel(), b, 0, 4 + len);
                if (n < 0) {
                    continue; // counted by Tunnels (no key yet: a handshake is on its way); never sent in clear
                }
                ByteBuffer out = b.duplicate();
                out.limit(n).position(0);
                channel.send(out, p.address());
                sent.inc();
            } catch (IOException e) {
                if (!net.stop && !closed) {
                    log.warn("encrypted network VNI {}: {}; its TAP device is no longer read", net.vni, e.getMessage());
                }
                return;
            }
        }
    }

    /** The receiving loop: socket → handshake, or open, check, write to the network's TAP, or drop. */
    private void receive() {
        ByteBuffer b = ByteBuffer.allocateDirect(BUFFER);
        PacketCipher cipher = new PacketCipher();
        while (!closed) {
            InetSocketAddress from;
            try {
                b.clear();
                from = (InetSocketAddress) channel.receive(b);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    log.warn("encrypted docker networks: receive: {}", e.getMessage());
                }
                continue;
            }
            if (from == null || !(from.getAddress() instanceof Inet4Address)) {
                continue;
            }
            int len = b.position();
            long source = Endpoints.of(ipv4(from.getAddress()), from.getPort());
            int n = tunnels.openUnchecked(cipher, b, 0, len);
            if (n == Tunnels.HANDSHAKE) {
                byte[] message = new byte[Math.min(len, Tunnels.HANDSHAKE_MAX + 1)]; // longer is refused by length
                b.get(0, message);
                byte[] answer = tunnels.handshake(cipher, message, source);
                if (answer != null) {
                    send(channel, source, ByteBuffer.wrap(answer));
                }
                continue;
            }
            if (n <= 0) {
                continue; // a keepalive, or refused and counted by Tunnels
            }
            deliver(cipher.peer(), b, n);
        }
    }

    /** Checks and delivers the opened payload (VNI + frame) of {@code n} bytes at {@link Tunnels#HEADER}. */
    private void deliver(Tunnel peer, ByteBuffer b, int n) {
        // The peer's host name is its certificate's, which refreshPeers checked is the store's name for it.
        FrameDrop refused = FrameSwitch.opened(tables, peer.identity().hostName(), b, Tunnels.HEADER, n);
        if (refused != null) {
            count(refused);
            return;
        }
        Net net = nets.get(b.getInt(Tunnels.HEADER));
        if (net == null) {
            count(FrameDrop.UNKNOWN_NETWORK); // detached since the check
            return;
        }
        try {
            net.write(b, FRAME_OFFSET, n - 4);
            received.inc();
        } catch (IOException e) {
            log.debug("VNI {}: TAP write: {}", net.vni, e.getMessage());
        }
    }

    /** The remote endpoints of network {@code vni}, or null when it has no segment here. */
    private FrameTable table(int vni) {
        Net n = nets.get(vni);
        return n == null ? null : n.table;
    }

    /** Frames dropped for {@code reason} since start. */
    public long drops(FrameDrop reason) {
        return drops[reason.ordinal()].getLongValue();
    }

    private void count(FrameDrop reason) {
        drops[reason.ordinal()].inc();
    }

    private static void send(DatagramChannel ch, long endpoint, ByteBuffer datagram) {
        try {
            ch.send(datagram, address(endpoint));
        } catch (IOException e) {
            log.debug("sealed handshake to {}: {}", Endpoints.toString(endpoint), e.getMessage());
        }
    }

    private static InetSocketAddress address(long endpoint) {
        int ip = Endpoints.ip(endpoint);
        try {
            byte[] a = {(byte) (ip >>> 24), (byte) (ip >>> 16), (byte) (ip >>> 8), (byte) ip};
            return new InetSocketAddress(InetAddress.getByAddress(a), Endpoints.port(endpoint));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // four bytes are always an address
        }
    }

    private static int ipv4(InetAddress a) {
        byte[] b = a.getAddress();
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private static void stop(Net n) {
        n.stop = true;
        try {
            n.reader.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        n.tap.close();
    }

    /** Stops every thread, closes the socket and the TAPs; the devices stay (nothing reads them: nothing flows). Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        timer.shutdownNow();
        try {
            channel.close();
        } catch (IOException e) {
            log.debug("closing the sealed socket: {}", e.getMessage());
        }
        for (Net n : new ArrayList<>(nets.values())) {
            stop(n);
        }
        nets.clear();
        problems.close();
    }
}

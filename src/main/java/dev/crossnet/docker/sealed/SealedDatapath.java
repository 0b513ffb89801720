package dev.crossnet.docker.sealed;

import dev.crossnet.CrossnetException;
import dev.crossnet.ProblemLog;
import dev.crossnet.seal.CertificateRejected;
import dev.crossnet.seal.Limits;
import dev.crossnet.seal.PacketCipher;
import dev.crossnet.seal.SealClock;
import dev.crossnet.seal.SealIdentity;
import dev.crossnet.seal.Tunnel;
import dev.crossnet.seal.Tunnels;
import dev.crossnet.seal.X509Certificates;
import dev.crossnet.tun.LinuxTun;
import dev.crossnet.tun.TunDevice;
import dev.crossnet.udp.Bind;
import dev.crossnet.udp.Endpoints;
import dev.crossnet.udp.LinuxUdp;
import inet.ipaddr.IPAddress;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
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
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The encrypted Docker networks' datapath on one host: a TAP device per network on its bridge, one
 * UDP socket on {@link #PORT} for all of them, and the host's sealed {@link Tunnels} to its peers
 * (see {@code package-info.java} for the design and the wire format).
 *
 * <p>Threads: one "sealed-rx" receives ({@link FrameRx}: opens, checks, writes to the TAPs), one
 * "sealed-tx-VNI" per network reads its TAP ({@link FrameTx}: answers ARP, seals, sends), and a
 * timer expires old keys. With offloads (the default) each moves up to {@value #BATCH} frames or
 * datagrams per system call, the TAPs carry TSO super-frames and the socket UDP GSO/GRO trains;
 * without, one frame per read and per datagram. {@link #attach}, {@link #detach} and {@link
 * #program} come from the agent's reconcile thread. Thread-safe.
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
    /** Frames (or datagrams) moved per system call, with offloads. */
    static final int BATCH = 64;

    private static final Logger log = LoggerFactory.getLogger(SealedDatapath.class);
    private static final int POLL_MILLIS = 500; // how soon a loop notices close()

    /** A peer host with a verified certificate: where its datagrams go, and its tunnel. */
    record Peer(byte[] certificate, long endpoint, Tunnel tunnel) {
    }

    private final Tunnels tunnels;
    private final Bind bind;
    private final HandshakeSender sender;
    private final IntFunction<TunDevice> taps;
    private final int batch;
    private final Supplier<Map<String, byte[]>> certificates;
    private final Map<Integer, TapPort> nets = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, Peer> peers = new java.util.concurrent.ConcurrentHashMap<>();
    private final FrameCounters counters;
    private final ProblemLog problems = new ProblemLog(log, "encrypted docker peers");
    private final ScheduledExecutorService timer;
    private final Thread receiver;
    private volatile boolean closed;

    /** Sends handshake datagrams on the shared socket, one sender at a time (the frames' sends take the same lock). */
    static final class HandshakeSender {
        private final Bind bind;
        private final ByteBuffer[] scratch = {ByteBuffer.allocateDirect(Tunnels.HANDSHAKE_MAX + 1)};
        private final int[] size = new int[1];
        private final long[] dest = new long[1];

        HandshakeSender(Bind bind) {
            this.bind = bind;
        }

        void send(long endpoint, byte[] datagram) {
            synchronized (this) {
                if (datagram.length > scratch[0].capacity()) {
                    return; // never: handshake messages are at most HANDSHAKE_MAX bytes
                }
                scratch[0].put(0, datagram);
                size[0] = datagram.length;
                dest[0] = endpoint;
                try {
                    bind.send(scratch, size, dest, 1, 0);
                } catch (IOException e) {
                    log.debug("sealed handshake to {}: {}", Endpoints.toString(endpoint), e.getMessage());
                }
            }
        }
    }

    /**
     * @param taps opens (creating if need be) the TAP device of a VNI, with or without offloads as
     *             the caller chose
     */
    SealedDatapath(Tunnels tunnels, Bind bind, HandshakeSender sender, IntFunction<TunDevice> taps, int batch,
                   Supplier<Map<String, byte[]>> certificates, PrometheusRegistry metrics) {
        this.tunnels = tunnels;
        this.bind = bind;
        this.sender = sender;
        this.taps = taps;
        this.batch = batch;
        this.certificates = certificates;
        this.counters = new FrameCounters(metrics);
        timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "sealed-expire"));
        timer.scheduleWithFixedDelay(tunnels::expire, 5, 5, TimeUnit.SECONDS);
        FrameRx rx = new FrameRx(bind, batch, tunnels, nets, counters, this::answer);
        receiver = daemon(() -> receive(rx), "sealed-rx");
    }

    /**
     * Verifies this host's seal certificate against its cluster CA, binds UDP {@code publicIp}:{@link
     * #PORT} and starts receiving. Blocking until bound.
     *
     * @param limits       key lifetimes and handshake bounds of the tunnels ({@link Limits#DEFAULT}, or the
     *                     agent's {@code --docker-rekey-after})
     * @param certificates the hosts' published seal certificates (DER) by host name, read on every
     *                     {@link #program}; each is verified against the cluster CA before use
     * @param offloads     TSO/checksum offloads on the TAPs, UDP GSO/GRO and batches of {@value #BATCH};
     *                     false moves one frame per system call (what a kernel without them does)
     * @throws CrossnetException when the certificate is refused or the port cannot be bound
     */
    public static SealedDatapath start(SealIdentity id, IPAddress publicIp, Limits limits, PrometheusRegistry metrics,
                                       Supplier<Map<String, byte[]>> certificates, boolean offloads) {
        X509Certificates ca;
        try {
            ca = X509Certificates.trusting(id.caCertificate());
            ca.verify(id.certificate(), Instant.now()); // peers would refuse it, and nothing would flow
        } catch (CertificateRejected e) {
            throw new CrossnetException("this host's seal certificate is refused: " + e.getMessage(), e);
        }
        int batch = offloads ? BATCH : 1;
        LinuxUdp socket;
        try {
            socket = LinuxUdp.open(Endpoints.of(Endpoints.ipv4(publicIp.withoutPrefixLength()), PORT), batch, offloads);
        } catch (CrossnetException e) {
            throw new CrossnetException("encrypted docker networks: " + e.getMessage(), e);
        }
        HandshakeSender sender = new HandshakeSender(socket);
        Tunnels t = new Tunnels(id.staticPrivate(), id.certificate(), ca, limits, SealClock.SYSTEM, sender::send, metrics);
        SealedDatapath dp = new SealedDatapath(t, socket, sender, vni -> LinuxTun.openTap(tapName(vni), offloads), batch,
                certificates, metrics);
        dp.startReceiving();
        log.info("encrypted docker networks: sealed frames on udp {}:{}, {}", publicIp.withoutPrefixLength(), PORT,
                offloads ? "batches of " + BATCH + ", UDP GSO " + (socket.gso() ? "on" : "off") + ", UDP GRO "
                        + (socket.gro() ? "on" : "off") : "one frame per system call (offloads off)");
        return dp;
    }

    /** Starts the receiving thread. Call once. */
    void startReceiving() {
        receiver.start();
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
        TapPort n = nets.get(vni);
        if (n != null) {
            return n.tap.name();
        }
        TapPort port = new TapPort(vni, taps.apply(vni), batch);
        FrameTx tx = new FrameTx(port, bind, sender, batch, tunnels, peers, counters);
        port.reader = daemon(() -> forward(port, tx), "sealed-tx-" + vni);
        nets.put(vni, port);
        port.reader.start();
        if (!port.tap.vnetHdr() && batch > 1) {
            log.warn("encrypted network VNI {}: the kernel refused offloads on TAP {}; one frame per read", vni, port.tap.name());
        }
        return port.tap.name();
    }

    /** Stops forwarding for network {@code vni} and closes its TAP (the caller deletes the device). Idempotent. */
    public synchronized void detach(int vni) {
        TapPort n = nets.remove(vni);
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
        TapPort n = nets.get(vni);
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
                peers.put(host, new Peer(cert, endpoint, t));
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

    /** The sending loop of one network: batches through {@link FrameTx} until stopped or its TAP fails. */
    private void forward(TapPort port, FrameTx tx) {
        while (!port.stop) {
            try {
                tx.pump(POLL_MILLIS);
            } catch (IOException | RuntimeException e) {
                if (!port.stop && !closed) {
                    log.warn("encrypted network VNI {}: {}; its TAP device is no longer read", port.vni, e.getMessage());
                }
                return;
            }
        }
    }

    /** The receiving loop: batches through {@link FrameRx} until closed. */
    private void receive(FrameRx rx) {
        while (!closed) {
            try {
                rx.pump(POLL_MILLIS);
            } catch (IOException | RuntimeException e) {
                if (closed) {
                    return;
                }
                log.warn("encrypted docker networks: receive: {}", e.getMessage());
                pause(); // an error that repeats must not spin
            }
        }
    }

    /** Answers the handshake message {@code b[off, off+len)} from {@code source}. Receiving thread. */
    private void answer(PacketCipher cipher, ByteBuffer b, int off, int len, long source) {
        byte[] message = new byte[Math.min(len, Tunnels.HANDSHAKE_MAX + 1)]; // longer is refused by length
        b.get(off, message);
        byte[] reply = tunnels.handshake(cipher, message, source);
        if (reply != null) {
            sender.send(source, reply);
        }
    }

    /** Frames dropped for {@code reason} since start. */
    public long drops(FrameDrop reason) {
        return counters.drops(reason);
    }

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private static void stop(TapPort n) {
        n.stop = true;
        try {
            n.reader.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        n.close();
    }

    /** Stops every thread, closes the socket and the TAPs; the devices stay (nothing reads them: nothing flows). Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        timer.shutdownNow();
        // Senders and the receiver stop before the socket's fd is closed, so the number is not reused under them.
        for (TapPort n : new ArrayList<>(nets.values())) {
            stop(n);
        }
        nets.clear();
        try {
            receiver.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        bind.close();
        problems.close();
    }
}

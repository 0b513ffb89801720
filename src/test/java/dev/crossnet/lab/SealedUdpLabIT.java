package dev.crossnet.lab;

import static dev.crossnet.testing.Datagrams.ip;
import static dev.crossnet.testing.Datagrams.receiveOrNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crossnet.testing.ByteSearch;
import dev.crossnet.cluster.SealFiles;
import dev.crossnet.kernel.linux.Netns;
import dev.crossnet.lab.LabOptions.StoreKind;
import dev.crossnet.model.BackendConfig;
import dev.crossnet.pki.ClusterCa;
import dev.crossnet.pki.HostCertificateRequest;
import dev.crossnet.seal.Limits;
import dev.crossnet.seal.SealClock;
import dev.crossnet.seal.SealIdentity;
import dev.crossnet.seal.Tunnels;
import dev.crossnet.seal.X25519;
import dev.crossnet.seal.X509Certificates;
import dev.crossnet.testing.RawIpv4;
import dev.crossnet.udp.Endpoints;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 12, flannel mode: one lab of 3 hosts × 1 container, {@code --backend udp --encrypt} (so
 * {@code --store cluster}: init/join certify each host's seal key), with {@code Backend.RekeyAfter}
 * of {@value #REKEY_AFTER} s. The tests run in order and share the lab: every pair pings; a capture
 * on the underlay (tcpdump on h2's eth0) finds a datagram's payload pattern nowhere while the same
 * pattern sent in clear beside it is found; cleartext, replayed and forged datagrams and a handshake
 * under a foreign CA are dropped, counted and never delivered; a TCP stream of 100 MB and more
 * crosses several rekeys intact, after which a packet under replaced keys is refused as stale; an
 * agent restart during a transfer resumes after a new handshake with nothing in clear on the wire;
 * switching the network config to plain and back never puts cleartext on the wire.
 */
@Tag("integration")
@Timeout(value = 8, unit = TimeUnit.MINUTES) // a net for a hang only; every wait below has its own generous limit
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SealedUdpLabIT {
    static final Duration CONVERGE = Duration.ofSeconds(60);
    static final Duration TRANSFER = Duration.ofMinutes(3);
    static final int UDP_PORT = 8285;
    /** Backend.RekeyAfter of the lab, in seconds: short, so that a transfer crosses several rekeys. */
    static final int REKEY_AFTER = 3;
    static final byte[] PATTERN = "crossnet-seal-it-PATTERN-5e4l3d".getBytes(StandardCharsets.US_ASCII);
    static final int OVERLAY = ip("10.5.0.0");
    static Path stateRoot;
    static LabOptions options;
    static Lab lab;
    static long started;
    /** A sealed transport datagram h1 sent h2, captured in {@link #capture_sealedPayloadNowhere_clearControlFound}. */
    static byte[] capturedTransport;

    @BeforeAll
    static void up() throws IOException {
        started = System.nanoTime();
        stateRoot = Files.createTempDirectory("crossnet-seal-it-");
        String name = "cns" + UUID.randomUUID().toString().replace("-", "").substring(0, 6);
        options = LabOptions.defaults().withName(name).withStateRoot(stateRoot).withHosts(3).withContainersPerHost(1)
                .withBackend(BackendConfig.Type.UDP).withStore(StoreKind.CLUSTER).withEncrypt(true).withRekeyAfter(REKEY_AFTER)
                .withProgress(l -> System.out.println("  " + l));
        assertThat(options.network()).isEqualTo("10.5.0.0/16"); // OVERLAY
        try {
            lab = Lab.up(options);
        } catch (RuntimeException e) {
            Lab.down(name, stateRoot);
            throw e;
        }
    }

    @AfterAll
    static void down() throws IOException {
        if (lab != null) {
            System.out.println(Lab.down(lab.name(), stateRoot));
        }
        try (var left = Files.list(stateRoot)) { // the captures' files, beside the lab, if a test left one
            for (Path p : left.filter(p -> p.toString().endsWith(".pcap")).toList()) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(stateRoot);
        System.out.printf("SealedUdpLabIT took %.1f s (information only)%n", (System.nanoTime() - started) / 1e9);
    }

    static boolean ping(String from, String ip) {
        return LabPings.ping(lab, from, ip);
    }

    @Test
    @Order(1)
    void up_everyContainerPingsEveryOther_overASmallerMtu() {
        assertThat(LabPings.containers(lab)).hasSize(3);
        assertThat(lab.state().hosts()).allSatisfy(h -> assertThat(h.mtu()).isEqualTo(1440)); // 1500 - 28 UDP/IP - 32 seal
        LabPings.awaitEveryPair(lab, CONVERGE);
    }

    @Test
    @Order(2)
    void capture_sealedPayloadNowhere_clearControlFound() throws Exception {
        String h1 = lab.host("h1").underlayIp();
        String h2 = lab.host("h2").underlayIp();
        try (UnderlayCapture cap = UnderlayCapture.start(lab, "h2", stateRoot.resolve("h2.pcap"), "udp");
             DatagramSocket listener = Netns.run(lab.nsOf("h2-c1"), () -> new DatagramSocket(new InetSocketAddress(lab.ip("h2-c1"), 7777)));
             DatagramSocket sender = Netns.run(lab.nsOf("h1-c1"), () -> new DatagramSocket(new InetSocketAddress(lab.ip("h1-c1"), 4000)));
             DatagramSocket clear = Netns.run(lab.nsOf("h1"), () -> new DatagramSocket(new InetSocketAddress(h1, 4001)))) {
            listener.setSoTimeout(1000);
            byte[] payload = new byte[400];
            System.arraycopy(PATTERN, 0, payload, 100, PATTERN.length);
            DatagramPacket got = new DatagramPacket(new byte[2048], 2048);
            // UDP may lose one (e.g. across a rekey): send until one arrives.
            await("a datagram h1-c1 -> h2-c1 through the sealed datapath").atMost(CONVERGE).until(() -> {
                sender.send(new DatagramPacket(payload, payload.length, new InetSocketAddress(lab.ip("h2-c1"), 7777)));
                try {
                    listener.receive(got);
                    return true;
                } catch (java.net.SocketTimeoutException e) {
                    return false;
                }
            });
            assertThat(got.getLength()).as("delivered through the sealed datapath").isEqualTo(payload.length);
            // The control: the same pattern, in clear, host to host on the same wire (to a port nobody reads).
            clear.send(new DatagramPacket(payload, payload.length, new InetSocketAddress(h2, 9)));
            await("tcpdump wrote both").atMost(CONVERGE).until(() -> cap.countContaining(PATTERN) >= 1);
            cap.stop();
            List<byte[]> sealed = cap.udpPayloadsFrom(ip(h1), UDP_PORT);
            assertThat(sealed).as("sealed datagrams h1 -> h2:8285 on the wire").isNotEmpty()
                    .allSatisfy(p -> assertThat(p[0]).as("message type").isIn((byte) 1, (byte) 2, (byte) 4))
                    .noneSatisfy(p -> assertThat(ByteSearch.indexOf(p, PATTERN)).isGreaterThanOrEqualTo(0));
            assertThat(cap.countContaining(PATTERN)).as("the pattern in the whole capture: only the cleartext control").isEqualTo(1);
            // The newest: its keys are h1's current ones (h1 sends h2 nothing more, so nothing rekeys them before the next test).
            capturedTransport = sealed.stream().filter(p -> p[0] == 4 && p.length == 400 + 28 + 32).reduce((a, b) -> b).orElseThrow();
        }
    }

    /**
     * From h3's namespace, spoofing h1's endpoint (which h2's firewall lets through): flannel-format
     * cleartext, a VXLAN-looking header, the captured sealed packet again, it with one bit flipped,
     * and an initiation from a host key certified by another CA (with the cluster CA's name).
     */
    @Test
    @Order(3)
    void cleartextReplayForgeryAndAForeignCaHandshake_droppedCountedNeverDelivered() throws Exception {
        assertThat(capturedTransport).as("captured by the test before").isNotNull();
        long peer1 = Endpoints.of(ip(lab.host("h1").underlayIp()), UDP_PORT);
        long port2 = Endpoints.of(ip(lab.host("h2").underlayIp()), UDP_PORT);
        long target = Endpoints.of(ip(lab.ip("h2-c1")), 7777);
        byte[] foreignInitiation = foreignCaInitiation("h2");
        String before = metrics("h2");
        try (DatagramSocket listener = Netns.run(lab.nsOf("h2-c1"), () -> new DatagramSocket(new InetSocketAddress(lab.ip("h2-c1"), 7777)));
             RawIpv4 raw = Netns.run(lab.nsOf("h3"), RawIpv4::new)) {
            raw.sendUdp(peer1, port2, RawIpv4.udpPacket(Endpoints.of(ip(lab.ip("h1-c1")), 4000), target, PATTERN));
            byte[] vxlan = new byte[64];
            vxlan[0] = 0x08;
            raw.sendUdp(peer1, port2, vxlan);
            raw.sendUdp(peer1, port2, capturedTransport);
            byte[] forged = capturedTransport.clone();
            forged[forged.length - 1] ^= 1;
            raw.sendUdp(peer1, port2, forged);
            raw.sendUdp(peer1, port2, foreignInitiation);
            await("drop counters on h2").atMost(CONVERGE).untilAsserted(() -> {
                String after = metrics("h2");
                assertThat(seal(after, "not_sealed") - seal(before, "not_sealed")).as("not_sealed").isEqualTo(2);
                assertThat(seal(after, "replay") - seal(before, "replay")).as("replay").isEqualTo(1);
                assertThat(seal(after, "bad_tag") - seal(before, "bad_tag")).as("bad_tag").isEqualTo(1);
                assertThat(seal(after, "certificate_rejected") - seal(before, "certificate_rejected")).as("certificate_rejected")
                        .isEqualTo(1);
            });
            listener.setSoTimeout(1000); // every datagram above was already counted as dropped; nothing to wait on
            assertThat(receiveOrNull(listener)).as("nothing delivered").isNull();
        }
    }

    /**
     * Issue 12's rekey under a running transfer, with 100 MB and more: the stream keeps flowing
     * across several rekeys (each awaited, then more bytes awaited), arrives intact, and the
     * receiving side refused none of its packets. Then a datagram h1 sealed at the start, under keys
     * that have since been replaced three times, injected into h3 again, is refused as {@code stale_key}.
     */
    @Test
    @Order(4)
    void tcpStream_acrossSeveralRekeys_noStallNoLossIntact_thenAStaleKeyRefused() throws Exception {
        long more = TcpStream.MORE_THAN_BUFFERED;
        String h1 = lab.host("h1").underlayIp();
        String h3 = lab.host("h3").underlayIp();
        String h1Before = metrics("h1");
        String h3Before = metrics("h3");
        byte[] old;
        try (TcpStream t = TcpStream.untilStopped(lab, "h1-c1", "h3-c1", 5101)) {
            t.awaitMore("at the start", more, TRANSFER);
            // One small sealed datagram h1 -> h3 (the stream's are big): a datagram of our own, sent until caught.
            try (UnderlayCapture one = UnderlayCapture.start(lab, "h3", stateRoot.resolve("h3-one.pcap"), "-c", "1",
                    "src host " + h1 + " and udp port " + UDP_PORT + " and udp[8] = 4 and len < 600");
                 DatagramSocket sender = Netns.run(lab.nsOf("h1-c1"), () -> new DatagramSocket(new InetSocketAddress(lab.ip("h1-c1"), 4004)))) {
                byte[] payload = new byte[100];
                await("a small sealed datagram h1 -> h3 caught").atMost(CONVERGE).pollInterval(Duration.ofMillis(100)).until(() -> {
                    sender.send(new DatagramPacket(payload, payload.length, new InetSocketAddress(lab.ip("h3-c1"), 9)));
                    return !one.udpPayloadsFrom(ip(h1), UDP_PORT).isEmpty();
                });
                old = one.udpPayloadsFrom(ip(h1), UDP_PORT).get(0);
            }
            long handshakes0 = handshakes(metrics("h3"));
            for (int i = 1; i <= 3; i++) {
                long want = handshakes0 + i;
                await("rekey " + i + " between h1 and h3").atMost(CONVERGE).pollInterval(Duration.ofMillis(200))
                        .until(() -> handshakes(metrics("h3")) >= want);
                t.awaitMore("after rekey " + i, more, CONVERGE);
            }
            t.awaitMore("up to 100 MB", Math.max(0, (100L << 20) - t.received()), TRANSFER);
            t.stop();
            t.assertIntact(TRANSFER);
            System.out.printf("across %d handshakes on h3: %d bytes arrived whole; longest pause between reads %d ms"
                    + " (information only)%n", handshakes(metrics("h3")) - handshakes0, t.received(), t.longestGapMillis());
        }
        String h1After = metrics("h1");
        String h3After = metrics("h3");
        for (String reason : List.of("stale_key", "bad_tag", "replay", "unknown_session")) {
            assertThat(seal(h3After, reason)).as("h3 refused a packet of the transfer: " + reason).isEqualTo(seal(h3Before, reason));
        }
        assertThat(seal(h1After, "no_session")).as("h1 had no key for a packet of the transfer").isEqualTo(seal(h1Before, "no_session"));

        try (RawIpv4 raw = Netns.run(lab.nsOf("h2"), RawIpv4::new)) {
            raw.sendUdp(Endpoints.of(ip(h1), UDP_PORT), Endpoints.of(ip(h3), UDP_PORT), old);
        }
        await("h3 refuses the old datagram as stale").atMost(CONVERGE)
                .until(() -> seal(metrics("h3"), "stale_key") == seal(h3After, "stale_key") + 1);
    }

    /**
     * Issue 12: an agent restart on one host during a transfer. Traffic resumes after a new
     * handshake (the restarted agent's keys are new), the transfer arrives intact, and a capture on
     * the restarting host's underlay holds no overlay packet in clear and no datagram on the
     * encrypted port of any other type than ours; the pattern sent throughout is found nowhere.
     */
    @Test
    @Order(5)
    void agentRestart_duringATransfer_resumesAfterANewHandshake_nothingInClear() throws Exception {
        String to = lab.ip("h3-c1");
        long more = TcpStream.MORE_THAN_BUFFERED;
        long h1Handshakes = handshakes(metrics("h1"));
        AtomicInteger delivered = new AtomicInteger();
        AtomicBoolean sending = new AtomicBoolean(true);
        // Everything but big sealed transport datagrams (their first byte is ours by the filter itself): an
        // overlay packet in clear, any other datagram on the port, the handshakes and the pattern's datagrams.
        String filter = "net " + options.network() + " or (udp port " + UDP_PORT + " and (udp[8] != 4 or len < 600))";
        try (TcpStream t = TcpStream.untilStopped(lab, "h1-c1", "h3-c1", 5102);
             UnderlayCapture cap = UnderlayCapture.start(lab, "h3", stateRoot.resolve("h3.pcap"), filter);
             DatagramSocket listener = Netns.run(lab.nsOf("h3-c1"), () -> new DatagramSocket(new InetSocketAddress(to, 7778)));
             DatagramSocket sender = Netns.run(lab.nsOf("h1-c1"), () -> new DatagramSocket(new InetSocketAddress(lab.ip("h1-c1"), 4002)))) {
            t.awaitMore("before the restart", more, CONVERGE);
            byte[] payload = new byte[300];
            System.arraycopy(PATTERN, 0, payload, 50, PATTERN.length);
            Thread patterns = new Thread(() -> {
                while (sending.get()) {
                    try {
                        sender.send(new DatagramPacket(payload, payload.length, new InetSocketAddress(to, 7778)));
                        Thread.sleep(50); // pacing of the pattern source (about 20 a second), not a wait for a state
                    } catch (IOException | InterruptedException e) {
                        return;
                    }
                }
            }, "patterns");
            Thread receiver = new Thread(() -> {
                DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
                while (!listener.isClosed()) {
                    try {
                        listener.receive(p);
                        delivered.incrementAndGet();
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "pattern-receiver");
            patterns.start();
            receiver.start();
            lab.stopAgent("h3");
            lab.startAgent("h3");
            int deliveredAtStart = delivered.get();
            await("h1-c1 -> h3-c1 after h3's agent restarted").atMost(CONVERGE).pollInterval(Duration.ofMillis(200))
                    .until(() -> ping("h1-c1", to));
            await("pattern datagrams after the restart").atMost(CONVERGE).until(() -> delivered.get() > deliveredAtStart);
            t.awaitMore("after the restart", more, CONVERGE);
            sending.set(false);
            patterns.join(5000);
            t.stop();
            t.assertIntact(TRANSFER);
            cap.stop();
            assertThat(handshakes(metrics("h1"))).as("h1 handshook with the restarted h3").isGreaterThan(h1Handshakes);
            assertThat(handshakes(metrics("h3"))).as("the restarted agent's own handshakes").isPositive();
            assertThat(cap.ipv4Inside(OVERLAY, 16)).as("overlay packets in clear on h3's underlay").isEmpty();
            List<byte[]> onPort = cap.udpPayloadsOnPort(UDP_PORT);
            assertThat(onPort).as("datagrams on the encrypted port").isNotEmpty()
                    .allSatisfy(p -> assertThat(p[0]).as("message type").isIn((byte) 1, (byte) 2, (byte) 4));
            assertThat(onPort).as("the restart's handshake on the wire").anySatisfy(p -> assertThat(p[0]).isEqualTo((byte) 1));
            assertThat(cap.countContaining(PATTERN)).as("the pattern anywhere on h3's underlay").isZero();
        }
    }

    /**
     * Issue 12, switching a network between plain and encrypted: an agent reads the network config
     * when it starts, so a config change takes effect host by host as agents restart. A host
     * restarted onto the plain config gets no traffic from the encrypted ones (it publishes no
     * certificate); once the config says encrypted again, that host, still running plain, sends
     * nothing at all to its encrypted peers (they publish certificates): nothing in clear on a
     * network configured encrypted. Restarted again, it is back in the encrypted network.
     */
    @Test
    @Order(6)
    void configSwitch_plainAndBack_nothingInClearOnANetworkConfiguredEncrypted() throws Exception {
        Path labDir = options.labDir();
        LabCluster.setConfig(labDir, lab.host("h1"), options.withEncrypt(false).withRekeyAfter(0).configJson());
        lab.stopAgent("h2");
        lab.startAgent("h2");
        assertThat(metrics("h2")).as("h2 runs plain").doesNotContain("crossnet_seal_handshakes_total");
        await("h1-c1 no longer reaches the plain h2-c1").atMost(CONVERGE).pollInterval(Duration.ofMillis(200))
                .until(() -> !ping("h1-c1", lab.ip("h2-c1")));
        await("the encrypted pair h1-c1 -> h3-c1 is unaffected").atMost(CONVERGE).pollInterval(Duration.ofMillis(200))
                .until(() -> ping("h1-c1", lab.ip("h3-c1")));

        LabCluster.setConfig(labDir, lab.host("h1"), options.configJson());
        String h2 = lab.host("h2").underlayIp();
        String before = metrics("h2");
        String filter = "net " + options.network() + " or udp port " + UDP_PORT;
        try (UnderlayCapture cap = UnderlayCapture.start(lab, "h2", stateRoot.resolve("h2-switch.pcap"), filter);
             DatagramSocket listener = Netns.run(lab.nsOf("h1-c1"), () -> new DatagramSocket(new InetSocketAddress(lab.ip("h1-c1"), 7779)));
             DatagramSocket sender = Netns.run(lab.nsOf("h2-c1"), () -> new DatagramSocket(new InetSocketAddress(lab.ip("h2-c1"), 4003)))) {
            byte[] payload = new byte[200];
            System.arraycopy(PATTERN, 0, payload, 20, PATTERN.length);
            int n = 20;
            for (int i = 0; i < n; i++) {
                sender.send(new DatagramPacket(payload, payload.length, new InetSocketAddress(lab.ip("h1-c1"), 7779)));
                sender.send(new DatagramPacket(payload, payload.length, new InetSocketAddress(lab.ip("h3-c1"), 7779)));
            }
            await("h2's plain datapath dropped them all: no peer it may send to").atMost(CONVERGE)
                    .until(() -> noRoute(metrics("h2")) - noRoute(before) >= 2L * n);
            listener.setSoTimeout(1000); // all counted as dropped already; a window for a stray one
            assertThat(receiveOrNull(listener)).as("delivered to h1-c1").isNull();
            cap.stop();
            assertThat(cap.udpPayloadsFrom(ip(h2), UDP_PORT)).as("datagrams h2 sent on the udp port").isEmpty();
            assertThat(cap.ipv4Inside(OVERLAY, 16)).as("overlay packets in clear on h2's underlay").isEmpty();
            assertThat(cap.countContaining(PATTERN)).as("the pattern on h2's underlay").isZero();
        }

        lab.stopAgent("h2");
        lab.startAgent("h2");
        LabPings.awaitEveryPair(lab, CONVERGE);
    }

    // --- helpers

    /** An initiation to {@code host} from a fresh host key whose certificate another CA (named like the cluster's) signed. */
    static byte[] foreignCaInitiation(String host) throws Exception {
        SealIdentity target = SealFiles.load(LabCluster.configDir(options.labDir(), host)).orElseThrow();
        ClusterCa foreign = ClusterCa.create("crossnet cluster CA h1", Clock.systemUTC()); // the name init gives the real one
        byte[] key = X25519.generatePrivate();
        byte[] cert = foreign.issue(HostCertificateRequest.x25519("h1", X25519.publicKey(key), List.of(), List.of(options.network())))
                .getEncoded();
        List<byte[]> out = new ArrayList<>();
        Tunnels impostor = new Tunnels(key, cert, X509Certificates.trusting(target.caCertificate()), Limits.DEFAULT, SealClock.SYSTEM,
                (to, d) -> out.add(d), new PrometheusRegistry());
        impostor.initiate(impostor.addPeer(target.certificate(), 0));
        return out.get(0);
    }

    static String metrics(String host) {
        return AgentMetrics.scrape(lab, host);
    }

    static long seal(String text, String reason) {
        return AgentMetrics.sealDrops(text, reason);
    }

    static long noRoute(String text) {
        return AgentMetrics.counter(text, "crossnet_udp_drops_total\\{peer=\"none\",reason=\"no_route\"}");
    }

    static long handshakes(String text) {
        return AgentMetrics.handshakes(text);
    }
}

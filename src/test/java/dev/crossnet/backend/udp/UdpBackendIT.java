package dev.crossnet.backend.udp;

import dev.crossnet.metrics.MetricFamilies;
import static dev.crossnet.backend.udp.TwoHostLab.TUN_A;
import static dev.crossnet.backend.udp.TwoHostLab.TUN_B;
import static dev.crossnet.backend.udp.TwoHostLab.UNDERLAY_A;
import static dev.crossnet.backend.udp.TwoHostLab.UNDERLAY_B;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import dev.crossnet.CrossnetException;
import dev.crossnet.backend.Backend;
import dev.crossnet.backend.BackendContract;
import dev.crossnet.kernel.Kernel;
import dev.crossnet.kernel.linux.LinuxKernel;
import dev.crossnet.kernel.linux.Netns;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.testing.RawIpv4;
import dev.crossnet.testing.Shell;
import dev.crossnet.udp.Endpoints;
import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * The udp backend on real kernels: the {@link BackendContract}, and what is udp's own, on a pair of
 * namespaced hosts shared by the class ({@link TwoHostLab}: a veth underlay with MTU 1500): the
 * TUN device's settings, TCP through the offloads, spoofed datagrams, adopting or refusing a
 * {@code crossnet0}, nothing left behind by a network never started, a taken port.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class UdpBackendIT extends BackendContract {
    static final int PORT = 8285;
    static TwoHostLab pair;
    static final NetworkConfig CONFIG = NetworkConfig.parse("{\"Network\":\"10.5.0.0/16\",\"Backend\":{\"Type\":\"udp\"}}");
    /** What {@link UdpNetwork} logged while the pair's two networks started. */
    static final List<String> startLog = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void setUp() {
        Logger logger = (Logger) LoggerFactory.getLogger(UdpNetwork.class);
        Level level = logger.getLevel();
        AppenderBase<ILoggingEvent> capture = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent e) {
                startLog.add(e.getLevel() + " " + e.getFormattedMessage());
            }
        };
        capture.start();
        logger.addAppender(capture);
        logger.setLevel(Level.INFO);
        try {
            pair = TwoHostLab.start(UdpBackend.DEFAULT_BATCH);
        } finally {
            logger.detachAppender(capture);
            logger.setLevel(level);
        }
    }

    @AfterAll
    static void tearDown() {
        if (pair != null) {
            pair.close();
        }
    }

    @Override
    protected NetworkConfig config() {
        return CONFIG;
    }

    @Override
    protected Backend backend(Kernel kernel) {
        return new UdpBackend(kernel, new PrometheusRegistry());
    }

    @Override
    protected String device() {
        return UdpBackend.DEVICE;
    }

    /** The datapath lives in the process: while no network runs, nothing is forwarded. */
    @Override
    protected boolean carriesTrafficWhileStopped() {
        return false;
    }

    /** The forwarding-table entry for the peer's subnet (the kernel holds nothing per peer). */
    @Override
    protected List<String> traces(Node host, Node peer) {
        Peer p = ((UdpNetwork) host.network).table().lookup(Packets.ip(peer.ip()));
        return List.of(p == null ? "" : peer.subnet + " -> " + Endpoints.toString(p.endpoint));
    }

    /** Before: the loops stopped for good and nothing said so. Now the fault is reported until a resync restarts them. */
    @Override
    protected void whileBroken(Node host) {
        await("the datapath's fault reported").atMost(PATIENCE).until(() -> host.network.fault() != null);
        assertThat(host.network.fault()).contains("udp datapath down");
    }

    @Test
    void register_createsTunWithMtuAddressAndRoute() {
        assertThat(pair.netA.mtu()).isEqualTo(1472);
        String link = Shell.run(10, "ip", "-n", pair.a, "-d", "link", "show", "crossnet0").output();
        assertThat(link).contains("mtu 1472").contains("tun").contains("UP");
        assertThat(Shell.run(10, "ip", "-n", pair.a, "-4", "addr", "show", "dev", "crossnet0").output()).contains("inet 10.5.1.0/32");
        assertThat(Shell.run(10, "ip", "-n", pair.a, "route", "show", "10.5.0.0/16").output())
                .contains("10.5.0.0/16 dev crossnet0 proto 152").contains("src 10.5.1.0");
    }

    /** Until one ping from namespace {@code ns} gets a reply (a busy machine may drop or delay one). */
    private static void awaitPing(String ns, String target, String... options) {
        List<String> argv = new java.util.ArrayList<>(List.of("ping", "-c", "1", "-W", "2"));
        argv.addAll(List.of(options));
        argv.add(target);
        await("ping " + target + " from " + ns).atMost(PATIENCE).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            Shell.Result r = Shell.in(ns, 20, argv.toArray(String[]::new));
            assertThat(r.exit()).as(r.output()).isZero();
        });
    }

    @Test
    void tcp_32MiB_arrivesIntact() throws Exception {
        int size = 32 << 20;
        try (ServerSocket server = Netns.run(pair.b, () -> new ServerSocket(5001, 1, InetAddress.getByName(TUN_B)))) {
            CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
                try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
                    MessageDigest d = MessageDigest.getInstance("SHA-256");
                    byte[] buf = new byte[65_536];
                    long total = 0;
                    for (int r; (r = in.read(buf)) > 0; total += r) {
                        d.update(buf, 0, r);
                    }
                    assertThat(total).isEqualTo(size);
                    return d.digest();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            MessageDigest sent = MessageDigest.getInstance("SHA-256");
            try (Socket c = Netns.run(pair.a, () -> {
                Socket s = new Socket();
                s.connect(new InetSocketAddress(TUN_B, 5001), (int) PATIENCE.toMillis());
                return s;
            }); OutputStream out = c.getOutputStream()) {
                Random rnd = new Random(7);
                byte[] chunk = new byte[1 << 20];
                for (int i = 0; i < size / chunk.length; i++) {
                    rnd.nextBytes(chunk);
                    sent.update(chunk);
                    out.write(chunk);
                }
            }
            assertThat(received.get(240, TimeUnit.SECONDS)).isEqualTo(sent.digest());
        }
    }

    @Test
    void spoofedDatagrams_droppedCountedAndNeverDelivered() throws Exception {
        long peerA = Endpoints.of(Packets.ip(UNDERLAY_A), PORT);
        long stranger = Endpoints.of(Packets.ip("192.168.250.77"), PORT);
        long portB = Endpoints.of(Packets.ip(UNDERLAY_B), PORT);
        long target = Endpoints.of(Packets.ip(TUN_B), 7777);
        try (DatagramSocket listener = Netns.run(pair.b, () -> new DatagramSocket(new InetSocketAddress(TUN_B, 7777)));
             RawIpv4 raw = Netns.run(pair.a, RawIpv4::new)) {
            listener.setSoTimeout((int) PATIENCE.toMillis());
            byte[] badChecksum = RawIpv4.udpPacket(Endpoints.of(Packets.ip("10.5.1.9"), 1), target, bytes("malformed"));
            badChecksum[10] ^= 0x55;
            raw.sendUdp(stranger, portB, RawIpv4.udpPacket(Endpoints.of(Packets.ip("10.5.1.9"), 1), target, bytes("stranger")));
            raw.sendUdp(peerA, portB, RawIpv4.udpPacket(Endpoints.of(Packets.ip("10.5.3.9"), 1), target, bytes("inner-src")));
            raw.sendUdp(peerA, portB, RawIpv4.udpPacket(Endpoints.of(Packets.ip("10.5.1.9"), 1),
                    Endpoints.of(Packets.ip("10.5.3.1"), 7777), bytes("inner-dst")));
            raw.sendUdp(peerA, portB, badChecksum);
            // The control goes the same way and is accepted; anything spoofed would arrive before it.
            raw.sendUdp(peerA, portB, RawIpv4.udpPacket(Endpoints.of(Packets.ip("10.5.1.9"), 1), target, bytes("control")));

            DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
            listener.receive(p);
            assertThat(new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII)).as(pair.dump()).isEqualTo("control");
            PrometheusRegistry m = pair.metricsB;
            await().atMost(PATIENCE).untilAsserted(() -> {
                assertThat(drops(m, "none", "unknown_source")).isEqualTo(1);
                assertThat(drops(m, "10.5.1.0/24", "inner_source_outside_peer")).isEqualTo(1);
                assertThat(drops(m, "10.5.1.0/24", "inner_destination_outside_host")).isEqualTo(1);
                assertThat(drops(m, "10.5.1.0/24", "malformed")).isEqualTo(1);
            });
            assertThat(MetricFamilies.text(m)).contains("crossnet_udp_drops_total{peer=\"none\",reason=\"unknown_source\"} 1");
        }
    }

    @Test
    void register_twice_adoptsTheDevice_andForeignLinkIsRefusedWithoutLeftovers() {
        NetworkConfig config = NetworkConfig.parse(TwoHostLab.CONFIG);
        String c = pair.a.substring(0, pair.a.length() - 1) + "c";
        Shell.ok("ip", "netns", "add", c);
        try {
            Shell.ok("ip", "-n", c, "link", "set", "lo", "up");
            Shell.ok("ip", "-n", c, "link", "add", "crossnet0", "type", "bridge");
            assertThatThrownBy(() -> Netns.run(c, () -> new UdpBackend(LinuxKernel.inNamespace(c), new PrometheusRegistry()).register(pair.host(c, "127.0.0.1"), config)))
                    .isInstanceOf(CrossnetException.class).hasMessageContaining("crossnet0");
            // the socket of the failed attempt is gone: the port binds again
            Netns.exec(c, () -> new DatagramSocket(new InetSocketAddress("127.0.0.1", PORT)).close());

            Shell.ok("ip", "-n", c, "link", "del", "crossnet0");
            var first = Netns.run(c, () -> new UdpBackend(LinuxKernel.inNamespace(c), new PrometheusRegistry()).register(pair.host(c, "127.0.0.1"), config));
            Netns.exec(c, () -> first.start(TwoHostLab.lease("10.5.9.0/24", "127.0.0.1")));
            first.close();
            var second = Netns.run(c, () -> new UdpBackend(LinuxKernel.inNamespace(c), new PrometheusRegistry()).register(pair.host(c, "127.0.0.1"), config));
            Netns.exec(c, () -> second.start(TwoHostLab.lease("10.5.9.0/24", "127.0.0.1")));
            second.close();
            assertThat(Shell.run(10, "ip", "-n", c, "-4", "addr", "show", "dev", "crossnet0").output()).contains("inet 10.5.9.0/32");
        } finally {
            Shell.run(10, "ip", "netns", "del", c);
        }
    }

    /** Regression: register() used to create crossnet0 and bind the port before the lease was held. */
    @Test
    void register_withoutStart_leavesNoDeviceAndNoSocket() {
        NetworkConfig config = NetworkConfig.parse(TwoHostLab.CONFIG);
        String d = pair.a.substring(0, pair.a.length() - 1) + "d";
        Shell.ok("ip", "netns", "add", d);
        try {
            Shell.ok("ip", "-n", d, "link", "set", "lo", "up");
            var net = Netns.run(d, () -> new UdpBackend(LinuxKernel.inNamespace(d), new PrometheusRegistry()).register(pair.host(d, "127.0.0.1"), config));
            assertThat(net.mtu()).isEqualTo(1472);
            // the lease is refused here (a full pool): the agent closes the network without start
            net.close();
            assertThat(Shell.run(10, "ip", "-n", d, "link", "show", "crossnet0").exit()).isNotZero();
            Netns.exec(d, () -> new DatagramSocket(new InetSocketAddress("127.0.0.1", PORT)).close());
        } finally {
            Shell.run(10, "ip", "netns", "del", d);
        }
    }

    @Test
    void register_portTakenByAnotherProcess_refusedNamingTheEndpoint() throws Exception {
        NetworkConfig config = NetworkConfig.parse(TwoHostLab.CONFIG);
        String e = pair.a.substring(0, pair.a.length() - 1) + "e";
        Shell.ok("ip", "netns", "add", e);
        try {
            Shell.ok("ip", "-n", e, "link", "set", "lo", "up");
            try (DatagramSocket taken = Netns.run(e, () -> new DatagramSocket(new InetSocketAddress("127.0.0.1", PORT)))) {
                assertThatThrownBy(() -> Netns.run(e, () -> new UdpBackend(LinuxKernel.inNamespace(e), new PrometheusRegistry()).register(pair.host(e, "127.0.0.1"), config)))
                        .isInstanceOf(CrossnetException.class).hasMessageContaining("127.0.0.1:" + PORT);
            }
            assertThat(Shell.run(10, "ip", "-n", e, "link", "show", "crossnet0").exit()).isNotZero();
        } finally {
            Shell.run(10, "ip", "netns", "del", e);
        }
    }

    @Test
    void offloads_onThisKernel_allOnAndLogged() {
        String mode = ((UdpNetwork) pair.netA).mode();
        assertThat(mode).contains("TUN offloads on").contains("UDP GSO on").contains("UDP GRO on");
        // Each host logged its mode once, at INFO, when its datapath started.
        assertThat(startLog).filteredOn(l -> l.startsWith("INFO udp backend: crossnet0 on "))
                .as("%s", startLog).hasSize(2)
                .allSatisfy(l -> assertThat(l).endsWith(", mtu 1472, " + mode))
                .anySatisfy(l -> assertThat(l).contains(" on " + UNDERLAY_A + ":" + PORT))
                .anySatisfy(l -> assertThat(l).contains(" on " + UNDERLAY_B + ":" + PORT));
    }

    @Test
    void offloadsOff_plainModeStillCarriesTraffic() throws Exception {
        try (TwoHostLab plain = TwoHostLab.start(UdpBackend.DEFAULT_BATCH, UdpBackend.Offload.NONE)) {
            assertThat(((UdpNetwork) plain.netA).mode()).contains("TUN offloads off").contains("UDP GSO off");
            awaitPing(plain.a, TUN_B);
        }
    }

    private static long drops(PrometheusRegistry m, String peer, String reason) {
        return MetricFamilies.counter(m, "crossnet_udp_drops_total", "", "peer", "reason").labelValues(peer, reason).getLongValue();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}

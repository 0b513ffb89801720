package dev.crossnet.backend.udp;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import dev.crossnet.CrossnetException;
import dev.crossnet.kernel.linux.Netns;
import dev.crossnet.metrics.MetricFamilies;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.testing.RawIpv4;
import dev.crossnet.testing.Shell;
import dev.crossnet.udp.Endpoints;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
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
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;
import static dev.crossnet.backend.udp.TwoHostLab.TUN_A;
import static dev.crossnet.backend.udp.TwoHostLab.TUN_B;
import static dev.crossnet.backend.udp.TwoHostLab.UNDERLAY_A;
import static dev.crossnet.backend.udp.TwoHostLab.UNDERLAY_B;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Two namespaced hosts running the udp backend over a veth underlay with MTU 1500. */
@Tag("integration")
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class UdpBackendIT {
    static final int PORT = 8285;
    /** For what may take long on a busy machine; the limit only stops a broken run. */
    static final Duration PATIENCE = Duration.ofSeconds(60);
    static TwoHostLab lab;
    /** What {@link UdpNetwork} logged while the lab's two networks started. */
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
            lab = TwoHostLab.start(UdpBackend.DEFAULT_BATCH);
        } finally {
            logger.detachAppender(capture);
            logger.setLevel(level);
        }
    }

    @AfterAll
    static void tearDown() {
        if (lab != null) {
            lab.close();
        }
    }

    private static void ok(Shell.Result r) {
        assertThat(r.exit()).as("%s%n%s", r.output(), lab.dump()).isZero();
    }

    @Test
    void register_createsTunWithMtuAddressAndRoute() {
        assertThat(lab.netA.mtu()).isEqualTo(1472);
        String link = Shell.run(10, "ip", "-n", lab.a, "-d", "link", "show", "crossnet0").output();
        assertThat(link).contains("mtu 1472").contains("tun").contains("UP");
        assertThat(Shell.run(10, "ip", "-n", lab.a, "-4", "addr", "show", "dev", "crossnet0").output()).contains("inet 10.5.1.0/32");
        assertThat(Shell.run(10, "ip", "-n", lab.a, "route", "show", "10.5.0.0/16").output())
                .contains("10.5.0.0/16 dev crossnet0").contains("src 10.5.1.0");
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
    void ping_bothWays() {
        awaitPing(lab.a, TUN_B);
        awaitPing(lab.b, TUN_A);
    }

    /** Before: the loops stopped for good and nothing said so. Now the fault is reported, then the datapath comes back. */
    @Test
    void deviceDeleted_loopsDie_reportedThenRestartedOnANewDevice_pingsAgain() {
        ok(Shell.in(lab.a, 20, "ping", "-c", "1", "-W", "2", TUN_B));
        Shell.ok("ip", "-n", lab.a, "link", "del", "crossnet0");
        await().atMost(Duration.ofSeconds(30)).until(() -> lab.netA.fault() != null);
        assertThat(lab.netA.fault()).contains("udp datapath down");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            Netns.exec(lab.a, lab.netA::supervise); // the agent's loop does this every turn
            return lab.netA.fault() == null;
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> Shell.in(lab.a, 5, "ping", "-c", "1", "-W", "1", TUN_B).exit() == 0);
        ok(Shell.in(lab.b, 20, "ping", "-c", "1", "-W", "2", TUN_A));
        assertThat(Shell.run(10, "ip", "-n", lab.a, "route", "show", "10.5.0.0/16").output()).contains("dev crossnet0");
        assertThat(MetricFamilies.text(lab.metricsA)).containsPattern("crossnet_reconcile_errors_total\\{kind=\"datapath\"} [1-9]");
    }

    @Test
    void ping_dontFragment_1444PassesAnd1445Fails() {
        awaitPing(lab.a, TUN_B, "-M", "do", "-s", "1444"); // 1444 + 8 ICMP + 20 IP = 1472
        Shell.Result tooBig = Shell.in(lab.a, 20, "ping", "-c", "1", "-W", "2", "-M", "do", "-s", "1445", TUN_B);
        assertThat(tooBig.exit()).as(tooBig.output()).isNotZero();
        assertThat(tooBig.output()).containsIgnoringCase("message too long");
    }

    @Test
    void tcp_32MiB_arrivesIntact() throws Exception {
        int size = 32 << 20;
        try (ServerSocket server = Netns.run(lab.b, () -> new ServerSocket(5001, 1, InetAddress.getByName(TUN_B)))) {
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
            try (Socket c = Netns.run(lab.a, () -> {
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
        try (DatagramSocket listener = Netns.run(lab.b, () -> new DatagramSocket(new InetSocketAddress(TUN_B, 7777)));
             RawIpv4 raw = Netns.run(lab.a, RawIpv4::new)) {
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
            assertThat(new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII)).as(lab.dump()).isEqualTo("control");
            PrometheusRegistry m = lab.metricsB;
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
        String c = lab.a.substring(0, lab.a.length() - 1) + "c";
        Shell.ok("ip", "netns", "add", c);
        try {
            Shell.ok("ip", "-n", c, "link", "set", "lo", "up");
            Shell.ok("ip", "-n", c, "link", "add", "crossnet0", "type", "bridge");
            assertThatThrownBy(() -> Netns.run(c, () -> new UdpBackend(new PrometheusRegistry())
                    .register(lab.host(c, "127.0.0.1"), config)))
                    .isInstanceOf(CrossnetException.class).hasMessageContaining("crossnet0");
            // the socket of the failed attempt is gone: the port binds again
            Netns.exec(c, () -> new DatagramSocket(new InetSocketAddress("127.0.0.1", PORT)).close());

            Shell.ok("ip", "-n", c, "link", "del", "crossnet0");
            var first = Netns.run(c, () -> new UdpBackend(new PrometheusRegistry()).register(lab.host(c, "127.0.0.1"), config));
            Netns.exec(c, () -> first.start(TwoHostLab.lease("10.5.9.0/24", "127.0.0.1")));
            first.close();
            var second = Netns.run(c, () -> new UdpBackend(new PrometheusRegistry()).register(lab.host(c, "127.0.0.1"), config));
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
        String d = lab.a.substring(0, lab.a.length() - 1) + "d";
        Shell.ok("ip", "netns", "add", d);
        try {
            Shell.ok("ip", "-n", d, "link", "set", "lo", "up");
            var net = Netns.run(d, () -> new UdpBackend(new PrometheusRegistry()).register(lab.host(d, "127.0.0.1"), config));
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
        String e = lab.a.substring(0, lab.a.length() - 1) + "e";
        Shell.ok("ip", "netns", "add", e);
        try {
            Shell.ok("ip", "-n", e, "link", "set", "lo", "up");
            try (DatagramSocket taken = Netns.run(e, () -> new DatagramSocket(new InetSocketAddress("127.0.0.1", PORT)))) {
                assertThatThrownBy(() -> Netns.run(e, () -> new UdpBackend(new PrometheusRegistry()).register(lab.host(e, "127.0.0.1"), config)))
                        .isInstanceOf(CrossnetException.class).hasMessageContaining("127.0.0.1:" + PORT);
            }
            assertThat(Shell.run(10, "ip", "-n", e, "link", "show", "crossnet0").exit()).isNotZero();
        } finally {
            Shell.run(10, "ip", "netns", "del", e);
        }
    }

    @Test
    void offloads_onThisKernel_allOnAndLogged() {
        String mode = ((UdpNetwork) lab.netA).mode();
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

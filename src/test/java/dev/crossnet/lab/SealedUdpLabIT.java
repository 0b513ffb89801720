package dev.crossnet.lab;

import static dev.crossnet.testing.Datagrams.ip;
import static dev.crossnet.testing.Datagrams.receiveOrNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crossnet.kernel.linux.Netns;
import dev.crossnet.lab.LabOptions.StoreKind;
import dev.crossnet.lab.LabState.ContainerState;
import dev.crossnet.model.BackendConfig;
import dev.crossnet.testing.RawIpv4;
import dev.crossnet.udp.Endpoints;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * {@code --store cluster}: init/join certify each host's seal key). The tests run in order and
 * share the lab: every pair pings; a capture on the underlay (tcpdump on h2's eth0) finds a
 * datagram's payload pattern nowhere while the same pattern sent in clear beside it is found;
 * cleartext, replayed and forged datagrams are dropped, counted and never delivered; 100 MB of TCP
 * arrive intact; an agent restart resumes after a new handshake.
 */
@Tag("integration")
@Timeout(value = 8, unit = TimeUnit.MINUTES) // a net for a hang only; every wait below has its own generous limit
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SealedUdpLabIT {
    static final Duration CONVERGE = Duration.ofSeconds(60);
    static final Duration TRANSFER = Duration.ofMinutes(3);
    static final int UDP_PORT = 8285;
    static final byte[] PATTERN = "crossnet-seal-it-PATTERN-5e4l3d".getBytes(StandardCharsets.US_ASCII);
    static Path stateRoot;
    static Lab lab;
    static long started;
    /** A sealed transport datagram h1 sent h2, captured in {@link #capture_sealedPayloadNowhere_clearControlFound}. */
    static byte[] capturedTransport;

    @BeforeAll
    static void up() throws IOException {
        started = System.nanoTime();
        stateRoot = Files.createTempDirectory("crossnet-seal-it-");
        String name = "cns" + UUID.randomUUID().toString().replace("-", "").substring(0, 6);
        try {
            lab = Lab.up(LabOptions.defaults().withName(name).withStateRoot(stateRoot).withHosts(3).withContainersPerHost(1)
                    .withBackend(BackendConfig.Type.UDP).withStore(StoreKind.CLUSTER).withEncrypt(true)
                    .withProgress(l -> System.out.println("  " + l)));
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
        Files.deleteIfExists(stateRoot.resolve("h2.pcap")); // the capture's file, beside the lab
        Files.deleteIfExists(stateRoot);
        System.out.printf("SealedUdpLabIT took %.1f s (information only)%n", (System.nanoTime() - started) / 1e9);
    }

    static boolean ping(String from, String ip) {
        return lab.exec(from, Duration.ofSeconds(5), "busybox", "ping", "-c1", "-W1", ip).exit() == 0;
    }

    @Test
    @Order(1)
    void up_everyContainerPingsEveryOther_overASmallerMtu() {
        List<ContainerState> all = lab.state().hosts().stream().flatMap(h -> h.containers().stream()).toList();
        assertThat(all).hasSize(3);
        assertThat(lab.state().hosts()).allSatisfy(h -> assertThat(h.mtu()).isEqualTo(1440)); // 1500 - 28 UDP/IP - 32 seal
        for (ContainerState from : all) {
            for (ContainerState to : all) {
                if (from != to) {
                    await(from.name() + " -> " + to.name()).atMost(CONVERGE).pollInterval(Duration.ofMillis(200))
                            .until(() -> ping(from.name(), to.ip()));
                }
            }
        }
    }

    @Test
    @Order(2)
    void capture_sealedPayloadNowhere_clearControlFound() throws Exception {
        Path pcap = stateRoot.resolve("h2.pcap");
        String h1 = lab.host("h1").underlayIp();
        String h2 = lab.host("h2").underlayIp();
        Process dump = lab.spawn("h2", "tcpdump", "-Z", "root", "-i", "eth0", "-n", "-U", "-s", "0", "-w", pcap.toString(), "udp");
        try (DatagramSocket listener = Netns.run(lab.nsOf("h2-c1"), () -> new DatagramSocket(new InetSocketAddress(lab.ip("h2-c1"), 7777)));
             DatagramSocket sender = Netns.run(lab.nsOf("h1-c1"), () -> new DatagramSocket(new InetSocketAddress(lab.ip("h1-c1"), 4000)));
             DatagramSocket clear = Netns.run(lab.nsOf("h1"), () -> new DatagramSocket(new InetSocketAddress(h1, 4001)))) {
            awaitListening(dump);
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
            await("tcpdump wrote both").atMost(CONVERGE).until(() -> Files.exists(pcap) && countPattern(pcap) >= 1);
        } finally {
            dump.destroy();
            dump.waitFor(30, TimeUnit.SECONDS);
        }
        List<byte[]> sealed = udpPayloads(pcap, ip(h1), UDP_PORT);
        assertThat(sealed).as("sealed datagrams h1 -> h2:8285 on the wire").isNotEmpty()
                .allSatisfy(p -> assertThat(p[0]).as("message type").isIn((byte) 1, (byte) 2, (byte) 4))
                .noneSatisfy(p -> assertThat(indexOf(p, PATTERN)).isGreaterThanOrEqualTo(0));
        assertThat(countPattern(pcap)).as("the pattern in the whole capture: only the cleartext control").isEqualTo(1);
        capturedTransport = sealed.stream().filter(p -> p[0] == 4 && p.length == 400 + 28 + 32).findFirst().orElseThrow();
    }

    @Test
    @Order(3)
    void cleartextReplayAndForgery_droppedCountedNeverDelivered() throws Exception {
        assertThat(capturedTransport).as("captured by the test before").isNotNull();
        long peer1 = Endpoints.of(ip(lab.host("h1").underlayIp()), UDP_PORT);
        long port2 = Endpoints.of(ip(lab.host("h2").underlayIp()), UDP_PORT);
        long target = Endpoints.of(ip(lab.ip("h2-c1")), 7777);
        String before = metrics("h2");
        try (DatagramSocket listener = Netns.run(lab.nsOf("h2-c1"), () -> new DatagramSocket(new InetSocketAddress(lab.ip("h2-c1"), 7777)));
             RawIpv4 raw = Netns.run(lab.nsOf("h3"), RawIpv4::new)) {
            // From h3's namespace, spoofing h1's endpoint (which h2's firewall lets through): flannel-format
            // cleartext, a VXLAN-looking header, the captured sealed packet again, and it with one bit flipped.
            raw.sendUdp(peer1, port2, RawIpv4.udpPacket(Endpoints.of(ip(lab.ip("h1-c1")), 4000), target, PATTERN));
            byte[] vxlan = new byte[64];
            vxlan[0] = 0x08;
            raw.sendUdp(peer1, port2, vxlan);
            raw.sendUdp(peer1, port2, capturedTransport);
            byte[] forged = capturedTransport.clone();
            forged[forged.length - 1] ^= 1;
            raw.sendUdp(peer1, port2, forged);
            await("drop counters on h2").atMost(CONVERGE).untilAsserted(() -> {
                String after = metrics("h2");
                assertThat(seal(after, "not_sealed") - seal(before, "not_sealed")).isEqualTo(2);
                assertThat(seal(after, "replay") - seal(before, "replay")).isEqualTo(1);
                assertThat(seal(after, "bad_tag") - seal(before, "bad_tag")).isEqualTo(1);
            });
            listener.setSoTimeout(1000); // every datagram above was already counted as dropped; nothing to wait on
            assertThat(receiveOrNull(listener)).as("nothing delivered").isNull();
        }
    }

    @Test
    @Order(4)
    void tcp100MB_h1ToH3_arrivesIntact() throws Exception {
        try (TcpStream t = TcpStream.ofSize(lab, "h1-c1", "h3-c1", 5101, 100L << 20)) {
            t.assertIntact(TRANSFER);
        }
    }

    @Test
    @Order(5)
    void agentRestart_resumesAfterANewHandshake() {
        String to = lab.ip("h3-c1");
        long handshakesBefore = handshakes(metrics("h1"));
        lab.stopAgent("h3");
        lab.startAgent("h3");
        await("h1-c1 -> h3-c1 after h3's agent restarted").atMost(CONVERGE).pollInterval(Duration.ofMillis(200))
                .until(() -> ping("h1-c1", to));
        assertThat(handshakes(metrics("h1"))).as("h1 handshook with the restarted h3").isGreaterThan(handshakesBefore);
    }

    // --- helpers

    static void awaitListening(Process dump) throws IOException {
        BufferedReader err = new BufferedReader(new InputStreamReader(dump.getErrorStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = err.readLine()) != null) {
            if (line.contains("listening on")) {
                return;
            }
        }
        throw new IllegalStateException("tcpdump ended before it listened");
    }

    static String metrics(String host) {
        Lab.ExecResult r = lab.exec(host, Duration.ofSeconds(30), "curl", "-s", "127.0.0.1:" + Agents.HEALTHZ_PORT + "/metrics");
        assertThat(r.exit()).as(r.err()).isZero();
        return r.out();
    }

    static long seal(String text, String reason) {
        Matcher m = Pattern.compile("crossnet_seal_drops_total\\{reason=\"" + reason + "\"} (\\d+)").matcher(text);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    static long handshakes(String text) {
        long n = 0;
        Matcher m = Pattern.compile("crossnet_seal_handshakes_total\\{role=\"\\w+\"} (\\d+)").matcher(text);
        while (m.find()) {
            n += Long.parseLong(m.group(1));
        }
        return n;
    }

    /** How many captured frames hold {@link #PATTERN} anywhere. */
    static int countPattern(Path pcap) throws IOException {
        int n = 0;
        for (byte[] frame : frames(pcap)) {
            if (indexOf(frame, PATTERN) >= 0) {
                n++;
            }
        }
        return n;
    }

    /** The UDP payloads of captured Ethernet/IPv4 frames from {@code srcIp:srcPort}. */
    static List<byte[]> udpPayloads(Path pcap, int srcIp, int srcPort) throws IOException {
        List<byte[]> out = new ArrayList<>();
        for (byte[] f : frames(pcap)) {
            ByteBuffer b = ByteBuffer.wrap(f);
            if (f.length < 14 + 28 || b.getShort(12) != 0x0800 || (f[14] & 0xf0) != 0x40 || f[14 + 9] != 17) {
                continue;
            }
            int ihl = (f[14] & 0x0f) * 4;
            int udp = 14 + ihl;
            if (b.getInt(14 + 12) == srcIp && (b.getShort(udp) & 0xffff) == srcPort) {
                int len = (b.getShort(udp + 4) & 0xffff) - 8;
                out.add(java.util.Arrays.copyOfRange(f, udp + 8, Math.min(f.length, udp + 8 + len)));
            }
        }
        return out;
    }

    /** The frames of a classic pcap file (either byte order). */
    static List<byte[]> frames(Path pcap) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(pcap));
        List<byte[]> out = new ArrayList<>();
        if (b.remaining() < 24) {
            return out;
        }
        b.order(b.getInt(0) == 0xa1b2c3d4 || b.getInt(0) == 0xa1b23c4d ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        int at = 24;
        while (at + 16 <= b.limit()) {
            int incl = b.getInt(at + 8);
            if (incl < 0 || at + 16 + incl > b.limit()) {
                break; // a record tcpdump was still writing
            }
            byte[] f = new byte[incl];
            b.get(at + 16, f);
            out.add(f);
            at += 16 + incl;
        }
        return out;
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}

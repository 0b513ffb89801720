package dev.crossnet.docker;

import static dev.crossnet.testing.Datagrams.receiveOrNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crossnet.docker.sealed.FrameDrop;
import dev.crossnet.docker.sealed.SealedDatapath;
import dev.crossnet.kernel.linux.Netns;
import dev.crossnet.lab.AgentMetrics;
import dev.crossnet.lab.TcpStream;
import dev.crossnet.lab.UnderlayCapture;
import dev.crossnet.lab.LabOptions.StoreKind;
import dev.crossnet.seal.Tunnels;
import dev.crossnet.testing.RawIpv4;
import dev.crossnet.udp.Endpoints;
import inet.ipaddr.IPAddressString;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Issue 12, Docker: one 3-host lab with {@code --store cluster --docker} (init/join certify each
 * host's seal key) whose agents rekey every {@value #REKEY_AFTER} s ({@code --docker-rekey-after}),
 * an encrypted network ({@code --opt encrypted}) and a plain one beside it. The tests run in order
 * and share the lab: every container pings every other by name and address over the encrypted
 * network; a capture on the underlay during {@code ping -p a5} finds the pattern nowhere, while
 * {@code ping -p 5a} over the plain network is found; cleartext to the sealed port, from a peer's
 * address and from an address that is no host's, is dropped and counted; a captured sealed
 * datagram replayed and a bit-flipped copy, from a peer's address, are dropped, counted and never
 * delivered; a TCP stream of 100 MB and more crosses rekeys intact with no packet refused; an agent
 * restart during a transfer resumes after a new handshake, with only sealed datagrams on the wire.
 */
@Tag("integration")
@Timeout(value = 8, unit = TimeUnit.MINUTES) // a net for a hang only; every wait has its own generous limit
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@org.junit.jupiter.api.extension.ExtendWith(SealedDockerLabIT.DumpOnFailure.class)
class SealedDockerLabIT {
    static final Duration PATIENCE = Duration.ofSeconds(60);
    static final Duration TRANSFER = Duration.ofMinutes(3);
    /** The agents' --docker-rekey-after, in seconds: short, so that a transfer crosses rekeys. */
    static final int REKEY_AFTER = 3;
    /** The encrypted network's subnet; an outer header inside it on the underlay is a packet in clear. */
    static final String SEALED_SUBNET = "192.168.110.0";
    /** A probe datagram's payload size: its sealed datagram (32 + 4 VNI + 14 + 20 + 8 + 301) is no other test traffic's size. */
    static final int PROBE = 301;
    static final String[] HOSTS = {"h1", "h2", "h3"};
    static DockerLab d;
    static long started;

    @BeforeAll
    static void up() {
        started = System.nanoTime();
        d = new DockerLab("cne", 3, o -> o.withStore(StoreKind.CLUSTER).withAgentFlags("--docker-rekey-after", REKEY_AFTER + "s"));
    }

    @AfterAll
    static void down() {
        if (d != null) {
            d.close();
        }
        System.out.printf("SealedDockerLabIT took %.1f s (information only)%n", (System.nanoTime() - started) / 1e9);
    }

    @Test
    @Order(1)
    void encryptedNetwork_everyContainerReachesEveryOtherByNameAndAddress_overASmallerMtu() {
        d.docker("h1", "network", "create", "-d", "crossnet", "--ipam-driver", "crossnet", "--subnet", SEALED_SUBNET + "/24",
                "--opt", "encrypted", "sealed");
        d.docker("h1", "network", "create", "-d", "crossnet", "--ipam-driver", "crossnet", "--subnet", "192.168.120.0/24",
                "plain");
        for (String h : HOSTS) {
            d.awaitNetwork(h, "sealed");
            d.awaitNetwork(h, "plain");
            d.run(h, "sealed", "s" + h.substring(1));
        }
        d.run("h1", "plain", "p1");
        d.run("h2", "plain", "p2");
        assertThat(d.docker("h1", "exec", "s1", "cat", "/sys/class/net/eth0/mtu")).isEqualTo(Integer.toString(1500 - 78));
        for (String from : HOSTS) {
            for (String to : HOSTS) {
                if (!from.equals(to)) {
                    String src = "s" + from.substring(1);
                    String dst = "s" + to.substring(1);
                    d.awaitPing(from, src, dst);
                    d.awaitPing(from, src, d.ip(to, dst));
                }
            }
        }
        // Plain and encrypted stay apart: s1 cannot reach p2 (another network), by address.
        assertThat(d.pings("h1", "s1", d.ip("h2", "p2"))).isFalse();
    }

    @Test
    @Order(2)
    void capture_encryptedPatternNowhere_plainPatternFound() throws Exception {
        Path pcap = d.lab.dir().resolve("h2-sealed.pcap");
        String h1 = d.lab.host("h1").underlayIp();
        List<byte[]> sealed;
        try (UnderlayCapture dump = UnderlayCapture.start(d.lab, "h2", pcap, "udp")) {
            d.awaitPing("h2", "p2", d.ip("h1", "p1")); // the plain path is up before the pattern goes
            assertThat(d.tryDocker("h1", "exec", "s1", "ping", "-c", "3", "-s", "200", "-p", "a5", d.ip("h2", "s2")).ok())
                    .as("ping -p a5 over the encrypted network").isTrue();
            assertThat(d.tryDocker("h1", "exec", "p1", "ping", "-c", "3", "-s", "200", "-p", "5a", d.ip("h2", "p2")).ok())
                    .as("ping -p 5a over the plain network").isTrue();
            await("tcpdump wrote the plain pings").atMost(PATIENCE).until(() -> dump.countContaining(run((byte) 0x5a)) >= 3);
            dump.stop();
            assertThat(dump.countContaining(run((byte) 0xa5))).as("frames holding the encrypted network's pattern").isZero();
            sealed = dump.udpPayloadsFromTo(ip(h1), SealedDatapath.PORT);
        }
        assertThat(sealed).as("sealed datagrams h1 -> h2:4793").isNotEmpty()
                .allSatisfy(p -> assertThat(p[0]).as("message type").isIn((byte) 1, (byte) 2, (byte) 4));
        // Echo requests of 200 bytes: 14 Ethernet + 20 IP + 8 ICMP + 200, behind the VNI, sealed.
        assertThat(sealed).anySatisfy(p -> assertThat(p.length).isEqualTo(32 + 4 + 14 + 20 + 8 + 200));
    }

    @Test
    @Order(3)
    void cleartextToTheSealedPort_fromAPeerAndFromAStranger_droppedAndCounted() throws Exception {
        String before = metrics("h2");
        long h2Port = Endpoints.of(ip(d.lab.host("h2").underlayIp()), SealedDatapath.PORT);
        long fromPeer = Endpoints.of(ip(d.lab.host("h1").underlayIp()), SealedDatapath.PORT);
        long fromStranger = Endpoints.of(ip("172.30.0.200"), 40000); // no host of the lab: not admitted by CROSSNET-DOCKER-IN
        byte[] frame = new byte[4 + 14 + 28]; // a VNI and an Ethernet/IPv4 frame, as sealed ones carry inside
        ByteBuffer.wrap(frame).putInt(0, 4096).putShort(4 + 12, (short) 0x0800);
        try (RawIpv4 raw = Netns.run(d.lab.nsOf("h3"), RawIpv4::new)) {
            raw.sendUdp(fromPeer, h2Port, frame);
            raw.sendUdp(fromStranger, h2Port, frame);
        }
        await("drop counters on h2").atMost(PATIENCE).untilAsserted(() -> {
            String after = metrics("h2");
            assertThat(counter(after, "crossnet_seal_drops_total\\{reason=\"not_sealed\"}")
                    - counter(before, "crossnet_seal_drops_total\\{reason=\"not_sealed\"}")).as("not_sealed").isEqualTo(1);
            assertThat(counter(after, "crossnet_encap_dropped_packets_total\\{port=\"4793\"}")
                    - counter(before, "crossnet_encap_dropped_packets_total\\{port=\"4793\"}")).as("stranger").isEqualTo(1);
        });
        assertThat(counter(metrics("h2"), "crossnet_docker_sealed_frames_total\\{direction=\"received\"}"))
                .as("frames delivered by the encrypted datapath").isPositive();
    }

    /**
     * A sealed datagram h1 sent h2 (a probe datagram between containers, delivered once), captured
     * on h2's underlay, then replayed and a bit-flipped copy, both from h1's address: h2 refuses
     * them as {@code replay} and {@code bad_tag}, and the probe's listener gets nothing more.
     */
    @Test
    @Order(4)
    void replayAndForgery_fromAPeersAddress_droppedCountedNeverDelivered() throws Exception {
        int h1 = ip(d.lab.host("h1").underlayIp());
        TcpStream.End s1 = d.end("h1", "s1");
        TcpStream.End s2 = d.end("h2", "s2");
        int sealedLength = Tunnels.OVERHEAD + 4 + 14 + 20 + 8 + PROBE;
        byte[] captured;
        try (UnderlayCapture cap = UnderlayCapture.start(d.lab, "h2", d.lab.dir().resolve("h2-probe.pcap"),
                "src host " + d.lab.host("h1").underlayIp() + " and udp dst port " + SealedDatapath.PORT + " and udp[8] = 4");
             DatagramSocket listener = Netns.run(s2.netns(), () -> new DatagramSocket(new InetSocketAddress(s2.ip(), 7777)));
             DatagramSocket sender = Netns.run(s1.netns(), () -> new DatagramSocket(new InetSocketAddress(s1.ip(), 4000)))) {
            listener.setSoTimeout(200);
            DatagramPacket probe = new DatagramPacket(new byte[PROBE], PROBE, new InetSocketAddress(s2.ip(), 7777));
            await("a probe s1 -> s2 delivered, and its sealed datagram captured").atMost(PATIENCE)
                    .until(() -> {
                        sender.send(probe);
                        return receiveOrNull(listener) != null
                                && cap.udpPayloadsFromTo(h1, SealedDatapath.PORT).stream().anyMatch(p -> p.length == sealedLength);
                    });
            captured = cap.udpPayloadsFromTo(h1, SealedDatapath.PORT).stream().filter(p -> p.length == sealedLength).findFirst()
                    .orElseThrow();
            while (receiveOrNull(listener) != null) {
                continue; // probes of earlier rounds, delivered late
            }
            String before = metrics("h2");
            byte[] forged = captured.clone();
            forged[forged.length - 1] ^= 1;
            long peer = Endpoints.of(h1, SealedDatapath.PORT);
            long h2Port = Endpoints.of(ip(d.lab.host("h2").underlayIp()), SealedDatapath.PORT);
            try (RawIpv4 raw = Netns.run(d.lab.nsOf("h3"), RawIpv4::new)) {
                raw.sendUdp(peer, h2Port, captured);
                raw.sendUdp(peer, h2Port, forged);
            }
            await("drop counters on h2").atMost(PATIENCE).untilAsserted(() -> {
                String after = metrics("h2");
                assertThat(sealDrops(after, "replay") - sealDrops(before, "replay")).as("replay").isEqualTo(1);
                assertThat(sealDrops(after, "bad_tag") - sealDrops(before, "bad_tag")).as("bad_tag").isEqualTo(1);
            });
            listener.setSoTimeout(1000); // both were counted as dropped already; a window for a stray delivery
            assertThat(receiveOrNull(listener)).as("delivered to s2").isNull();
        }
    }

    /**
     * Issue 12's 100 MB TCP, and its rekey under a running transfer: a stream s1 (h1) -> s3 (h3)
     * keeps flowing across two rekeys (each awaited, then more bytes awaited), reaches 100 MB and
     * arrives intact (SHA-256 at both ends), and neither end refused or failed to seal any packet.
     */
    @Test
    @Order(5)
    void tcpStream_100MegabytesAcrossRekeys_intactNoStallNothingRefused() throws Exception {
        long more = TcpStream.MORE_THAN_BUFFERED;
        String h1Before = metrics("h1");
        String h3Before = metrics("h3");
        try (TcpStream t = TcpStream.untilStopped(d.end("h1", "s1"), d.end("h3", "s3"), 5101)) {
            t.awaitMore("at the start", more, TRANSFER);
            long handshakes0 = AgentMetrics.handshakes(metrics("h3"));
            for (int i = 1; i <= 2; i++) {
                long want = handshakes0 + i;
                await("rekey " + i + " between h1 and h3").atMost(PATIENCE).pollInterval(Duration.ofMillis(200))
                        .until(() -> AgentMetrics.handshakes(metrics("h3")) >= want);
                t.awaitMore("after rekey " + i, more, PATIENCE);
            }
            t.awaitMore("up to 100 MB", Math.max(0, (100L << 20) - t.received()), TRANSFER);
            t.stop();
            t.assertIntact(TRANSFER);
            System.out.printf("across %d handshakes on h3: %d bytes arrived whole; longest pause between reads %d ms"
                    + " (information only)%n", AgentMetrics.handshakes(metrics("h3")) - handshakes0, t.received(), t.longestGapMillis());
        }
        String h1After = metrics("h1");
        String h3After = metrics("h3");
        for (String reason : List.of("stale_key", "bad_tag", "replay", "unknown_session")) {
            assertThat(sealDrops(h3After, reason)).as("h3 refused a packet: " + reason).isEqualTo(sealDrops(h3Before, reason));
            assertThat(sealDrops(h1After, reason)).as("h1 refused a packet: " + reason).isEqualTo(sealDrops(h1Before, reason));
        }
        for (FrameDrop inner : List.of(FrameDrop.MALFORMED, FrameDrop.UNKNOWN_NETWORK, FrameDrop.INNER_SOURCE, FrameDrop.INNER_TYPE)) {
            assertThat(frameDrops(h3After, inner)).as("h3 refused a frame: " + inner.label()).isEqualTo(frameDrops(h3Before, inner));
        }
        assertThat(sealDrops(h1After, "no_session")).as("h1 had no key for a packet").isEqualTo(sealDrops(h1Before, "no_session"));
    }

    /**
     * Issue 12: an agent restart on one host (h2) during a transfer to it. Traffic resumes after a
     * new handshake (the restarted agent's keys are new), the transfer arrives intact, and a capture
     * on h2's underlay meanwhile holds no packet of the encrypted network in clear, no vxlan datagram
     * of its VNI, nothing on the sealed port but sealed messages (a handshake among them), and
     * nowhere the pattern of the pings sent throughout.
     */
    @Test
    @Order(6)
    void agentRestart_duringATransfer_resumesAfterANewHandshake_onlySealedOnTheWire() throws Exception {
        long more = TcpStream.MORE_THAN_BUFFERED;
        String s2 = d.ip("h2", "s2");
        int vni = sealedVni("h2");
        long h1Handshakes = AgentMetrics.handshakes(metrics("h1"));
        // Everything but big sealed transport datagrams (their first byte is ours by the filter itself).
        String filter = "net " + SEALED_SUBNET + "/24 or udp port 4789 or (udp port " + SealedDatapath.PORT
                + " and (udp[8] != 4 or len < 600))";
        try (TcpStream t = TcpStream.untilStopped(d.end("h1", "s1"), d.end("h2", "s2"), 5102);
             UnderlayCapture cap = UnderlayCapture.start(d.lab, "h2", d.lab.dir().resolve("h2-restart.pcap"), filter)) {
            t.awaitMore("before the restart", more, PATIENCE);
            d.docker("h1", "exec", "-d", "s1", "ping", "-w", "30", "-s", "200", "-p", "c3", s2); // stops by itself
            d.lab.stopAgent("h2");
            d.lab.startAgent("h2");
            d.awaitPing("h1", "s1", s2);
            // TRANSFER: TCP's retransmission backoff grew while the agent was down (tens of seconds on a busy machine).
            t.awaitMore("after the restart", more, TRANSFER);
            t.stop();
            t.assertIntact(TRANSFER);
            cap.stop();
            assertThat(AgentMetrics.handshakes(metrics("h1"))).as("h1 handshook with the restarted h2").isGreaterThan(h1Handshakes);
            assertThat(cap.ipv4Inside(ip(SEALED_SUBNET), 24)).as("the encrypted network's packets in clear on h2's underlay").isEmpty();
            assertThat(cap.udpPayloadsOnPort(4789)).as("vxlan datagrams of the encrypted network's VNI " + vni)
                    .noneMatch(p -> p.length >= 8 && ((p[4] & 0xff) << 16 | (p[5] & 0xff) << 8 | (p[6] & 0xff)) == vni);
            List<byte[]> onPort = cap.udpPayloadsOnPort(SealedDatapath.PORT);
            assertThat(onPort).as("datagrams on the sealed port").isNotEmpty()
                    .allSatisfy(p -> assertThat(p[0]).as("message type").isIn((byte) 1, (byte) 2, (byte) 4));
            assertThat(onPort).as("the restart's handshake on the wire").anySatisfy(p -> assertThat(p[0]).isEqualTo((byte) 1));
            assertThat(cap.countContaining(run((byte) 0xc3))).as("the pings' pattern anywhere on h2's underlay").isZero();
        }
    }

    // --- helpers

    static String metrics(String host) {
        return AgentMetrics.scrape(d.lab, host);
    }

    static long counter(String text, String series) {
        return AgentMetrics.counter(text, series);
    }

    static long sealDrops(String text, String reason) {
        return AgentMetrics.sealDrops(text, reason);
    }

    static long frameDrops(String text, FrameDrop reason) {
        return counter(text, SealedDatapath.DROPS + "\\{reason=\"" + reason.label() + "\"}");
    }

    /** The encrypted network's VNI, from the name of its TAP device on {@code host} ({@code cnsx<VNI>}). */
    static int sealedVni(String host) {
        Matcher m = Pattern.compile(" cnsx(\\d+)[:@]").matcher(d.lab.exec(host, "ip", "-o", "link", "show").out());
        assertThat(m.find()).as("a cnsx TAP device on " + host).isTrue();
        return Integer.parseInt(m.group(1));
    }

    static int ip(String dotted) {
        return Endpoints.ipv4(new IPAddressString(dotted).getAddress());
    }

    static byte[] run(byte b) {
        byte[] r = new byte[64];
        java.util.Arrays.fill(r, b);
        return r;
    }

    /** On a failed test: the lab's diagnostics and each host's devices, firewall and agent log tail. */
    static final class DumpOnFailure implements TestWatcher {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            if (d == null) {
                return;
            }
            System.out.println(d.lab.diagnostics());
            for (String h : HOSTS) {
                System.out.println("=== " + h);
                System.out.println(d.lab.exec(h, "sh", "-c", "ip -d link; iptables -S; tail -n 60 "
                        + d.lab.agentLog(h)).out());
            }
        }
    }
}

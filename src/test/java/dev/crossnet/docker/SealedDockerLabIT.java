package dev.crossnet.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crossnet.docker.sealed.SealedDatapath;
import dev.crossnet.kernel.linux.Netns;
import dev.crossnet.lab.Lab;
import dev.crossnet.lab.UnderlayCapture;
import dev.crossnet.lab.LabOptions.StoreKind;
import dev.crossnet.testing.RawIpv4;
import dev.crossnet.udp.Endpoints;
import inet.ipaddr.IPAddressString;
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
 * host's seal key), an encrypted network ({@code --opt encrypted}) and a plain one beside it. The
 * tests run in order and share the lab: every container pings every other by name and address
 * over the encrypted network; a capture on the underlay during {@code ping -p a5} finds the pattern
 * nowhere, while {@code ping -p 5a} over the plain network is found; cleartext to the sealed port,
 * from a peer's address and from an address that is no host's, is dropped and counted.
 */
@Tag("integration")
@Timeout(value = 6, unit = TimeUnit.MINUTES) // a net for a hang only; every wait has its own generous limit
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@org.junit.jupiter.api.extension.ExtendWith(SealedDockerLabIT.DumpOnFailure.class)
class SealedDockerLabIT {
    static final Duration PATIENCE = Duration.ofSeconds(60);
    static final String[] HOSTS = {"h1", "h2", "h3"};
    static DockerLab d;
    static long started;

    @BeforeAll
    static void up() {
        started = System.nanoTime();
        d = new DockerLab("cne", 3, o -> o.withStore(StoreKind.CLUSTER));
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
        d.docker("h1", "network", "create", "-d", "crossnet", "--ipam-driver", "crossnet", "--subnet", "192.168.110.0/24",
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

    // --- helpers

    static String metrics(String host) {
        // The lab's agents serve /metrics on 127.0.0.1:10271 (Agents.HEALTHZ_PORT) in their host's namespace.
        Lab.ExecResult r = d.lab.exec(host, Duration.ofSeconds(30), "curl", "-s", "127.0.0.1:10271/metrics");
        assertThat(r.exit()).as(r.err()).isZero();
        return r.out();
    }

    static long counter(String text, String nameAndLabels) {
        Matcher m = Pattern.compile("^" + nameAndLabels + " (\\d+(\\.\\d+)?)", Pattern.MULTILINE).matcher(text);
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
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

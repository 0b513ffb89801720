package dev.crossnet.lab;

import static dev.crossnet.testing.Datagrams.ip;
import static dev.crossnet.testing.Datagrams.receiveOrNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crossnet.backend.vxlan.VtepMac;
import dev.crossnet.kernel.linux.Netns;
import dev.crossnet.model.BackendConfig.Type;
import dev.crossnet.testing.RawIpv4;
import dev.crossnet.testing.VxlanFrames;
import dev.crossnet.udp.Endpoints;
import inet.ipaddr.IPAddressString;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 10's injection: from the lab's underlay namespace, which is no member host, a datagram to
 * h1's encapsulation port (vxlan 8472, udp 8285) whose inner packet claims to come from h2's
 * container and goes to h1's never reaches that container, and h1 counts it (the drop rule of
 * {@code CROSSNET-INPUT} and the agent's {@code /metrics}). The same datagram with h2's address as
 * outer source is delivered: a filter on the underlay cannot tell a spoofed peer address from the
 * peer, which is what makes this test able to fail. Needs root.
 */
@Tag("integration")
class EncapsulationFilterIT {
    static final Duration CONVERGE = Duration.ofSeconds(30);

    @RegisterExtension
    final LabExtension labs = new LabExtension();

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Type.class, names = {"VXLAN", "UDP"})
    void craftedDatagram_fromTheUnderlay_droppedAndCounted_fromAPeerAddress_delivered(Type backend) throws Exception {
        Lab lab = labs.track(Lab.up(labs.options().withHosts(2).withContainersPerHost(1).withBackend(backend)));
        await("h2-c1 -> h1-c1").atMost(CONVERGE).pollInterval(Duration.ofMillis(200))
                .until(() -> lab.exec("h2-c1", Duration.ofSeconds(10), "busybox", "ping", "-c1", "-W1", lab.ip("h1-c1")).exit() == 0);
        int port = backend == Type.VXLAN ? 8472 : 8285;
        String h1 = lab.host("h1").underlayIp();
        String h2 = lab.host("h2").underlayIp();
        String stranger = LabNames.underlayGateway().toCanonicalString(); // br0 in the underlay namespace: no lease has it
        long innerFrom = Endpoints.of(ip(lab.ip("h2-c1")), 4000);
        long innerTo = Endpoints.of(ip(lab.ip("h1-c1")), 7777);
        String drop = "-A CROSSNET-INPUT -p udp -m udp --dport " + port + " -c ";
        long dropsBefore = dropCounter(lab, drop);
        long metricBefore = metric(lab, "h1", port);

        try (DatagramSocket listener = Netns.run(lab.nsOf("h1-c1"), () -> new DatagramSocket(new InetSocketAddress(lab.ip("h1-c1"), 7777)));
             RawIpv4 raw = Netns.run(new LabNames(lab.name()).underlayNs(), RawIpv4::new)) {
            raw.sendUdp(Endpoints.of(ip(stranger), port), Endpoints.of(ip(h1), port), payload(backend, h1, innerFrom, innerTo, "stranger"));
            await("the stranger's datagram counted on h1").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                    .until(() -> dropCounter(lab, drop) == dropsBefore + 1);
            listener.setSoTimeout(500);
            assertThat(receiveOrNull(listener)).as("a stranger's datagram reached h1-c1").isNull();
            // /metrics reads the counter on each resync (every 5 s by default).
            await("/metrics on h1 counts it").atMost(CONVERGE).pollInterval(Duration.ofMillis(500))
                    .until(() -> metric(lab, "h1", port) >= metricBefore + 1);

            listener.setSoTimeout(10_000);
            raw.sendUdp(Endpoints.of(ip(h2), port), Endpoints.of(ip(h1), port), payload(backend, h1, innerFrom, innerTo, "spoofed-peer"));
            assertThat(receiveOrNull(listener)).isEqualTo("spoofed-peer");
        }
        assertThat(dropCounter(lab, drop)).isEqualTo(dropsBefore + 1);
    }

    /**
     * What goes in the datagram: for vxlan a frame to h1's VTEP MAC (derived from public data, as an
     * attacker can), VNI 1; for udp the bare IP packet.
     */
    static byte[] payload(Type backend, String h1, long innerFrom, long innerTo, String text) {
        byte[] packet = RawIpv4.udpPacket(innerFrom, innerTo, text.getBytes(StandardCharsets.US_ASCII));
        if (backend == Type.UDP) {
            return packet;
        }
        String vtep = VtepMac.derive(new IPAddressString(h1).getAddress(), 1);
        return VxlanFrames.vxlan(1, vtep, "02:00:00:00:00:99", packet);
    }

    /** The packet counter of h1's drop rule, from {@code iptables -S CROSSNET-INPUT -v}. */
    static long dropCounter(Lab lab, String prefix) {
        Lab.ExecResult r = lab.exec("h1", "iptables", "-w", "-S", "CROSSNET-INPUT", "-v");
        assertThat(r.exit()).as(r.err()).isZero();
        return r.out().lines().filter(l -> l.startsWith(prefix)).mapToLong(l -> Long.parseLong(l.substring(prefix.length()).split(" ")[0]))
                .findFirst().orElseThrow(() -> new AssertionError("no drop rule in\n" + r.out()));
    }

    /** {@code crossnet_encap_dropped_packets_total} for {@code port} in {@code host}'s agent's {@code /metrics}. */
    static long metric(Lab lab, String host, int port) {
        Lab.ExecResult r = lab.exec(host, Duration.ofSeconds(5), "curl", "-s", "127.0.0.1:" + Agents.HEALTHZ_PORT + "/metrics");
        Matcher m = Pattern.compile("crossnet_encap_dropped_packets_total\\{port=\"" + port + "\"} (\\d+)").matcher(r.out());
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }


}

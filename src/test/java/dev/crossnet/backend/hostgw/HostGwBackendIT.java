package dev.crossnet.backend.hostgw;

import static dev.crossnet.testing.NetnsLab.sh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crossnet.backend.Network;
import dev.crossnet.kernel.linux.LinuxKernel;
import dev.crossnet.model.Lease;
import dev.crossnet.model.LeaseAttrs;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.model.Subnet;
import dev.crossnet.testing.NetnsLab;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The host-gw backend on real kernels: lab hosts on one underlay bridge, programmed in-process. */
@Tag("integration")
class HostGwBackendIT {

    private static final NetworkConfig CONFIG = NetworkConfig.parse(
            "{\"Network\":\"10.5.0.0/16\",\"Backend\":{\"Type\":\"host-gw\"}}");

    @RegisterExtension
    final NetnsLab lab = new NetnsLab();
    @TempDir
    Path state;

    private record Node(NetnsLab.Host host, Network network, Lease lease, String container) {
    }

    private Node node(int i) {
        NetnsLab.Host h = lab.host(i);
        Network n = new HostGwBackend(LinuxKernel.inNamespace(h.ns())).register(h.context(state), CONFIG);
        Subnet sn = Subnet.parse("10.5." + i + ".0/24");
        Lease lease = new Lease(sn, new LeaseAttrs(h.publicIp(), "host-gw", n.backendData()), null, 1);
        n.start(lease);
        return new Node(h, n, lease, lab.container(h, sn, n.mtu()));
    }

    /** Until one DF ping of {@code payload} bytes gets a reply; the limit only stops a broken run. */
    private void awaitPing(String fromNs, String ip, int payload) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> lab.ping(fromNs, ip, payload));
    }

    @Test
    void threeHosts_containersPingAcrossHostsAtFullUnderlayMtu() {
        List<Node> nodes = List.of(node(1), node(2), node(3));
        for (Node n : nodes) {
            n.network().reconcile(nodes.stream().map(Node::lease).toList());
        }

        awaitPing(nodes.get(0).container(), "10.5.2.2", 56);
        awaitPing(nodes.get(1).container(), "10.5.3.2", 56);
        assertThat(nodes.get(0).network().mtu()).isEqualTo(1500);
        // 1472 + 8 ICMP + 20 IP = 1500: no encapsulation, so the whole underlay MTU is usable.
        awaitPing(nodes.get(0).container(), "10.5.2.2", 1472);
        assertThat(sh("ip route show 10.5.3.0/24", nodes.get(0).host().ns()))
                .contains("via 192.168.77.4 dev " + nodes.get(0).host().iface() + " proto 152");
    }

    @Test
    void reconcile_peerOffL2AndPeerGone_refusesOneRemovesOtherKeepsForeign() {
        Node a = node(1);
        Node b = node(2);
        String ns = a.host().ns();
        sh("ip route add 10.5.99.0/24 via 192.168.77.99 dev " + a.host().iface(), ns);
        List<Lease> peers = new ArrayList<>(List.of(b.lease(),
                new Lease(Subnet.parse("10.5.7.0/24"), new LeaseAttrs("172.20.0.7", "host-gw", null), null, 1)));
        a.network().reconcile(peers);
        assertThat(sh("ip route", ns)).contains("10.5.2.0/24").doesNotContain("10.5.7.0/24");

        a.network().reconcile(List.of());

        assertThat(sh("ip route", ns)).doesNotContain("10.5.2.0/24").contains("10.5.99.0/24 via 192.168.77.99");
    }
}

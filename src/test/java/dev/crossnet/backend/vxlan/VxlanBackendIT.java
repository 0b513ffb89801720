package dev.crossnet.backend.vxlan;

import static dev.crossnet.testing.NetnsLab.sh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.crossnet.CrossnetException;
import dev.crossnet.backend.Backend;
import dev.crossnet.backend.BackendContract;
import dev.crossnet.backend.Network;
import dev.crossnet.kernel.Kernel;
import dev.crossnet.kernel.linux.CommandLog;
import dev.crossnet.kernel.linux.LinuxKernel;
import dev.crossnet.model.Lease;
import dev.crossnet.model.LeaseAttrs;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.model.Subnet;
import dev.crossnet.testing.NetnsLab;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The vxlan backend on real kernels: the {@link BackendContract}, and what is vxlan's own (the VTEP's
 * settings and MAC, foreign entries on its device, direct routing, masquerade, a thousand peers).
 * Lab hosts are programmed in-process through {@code ip -n}.
 */
class VxlanBackendIT extends BackendContract {

    private static final NetworkConfig CONFIG = NetworkConfig.parse(
            "{\"Network\":\"10.5.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}");

    @Override
    protected NetworkConfig config() {
        return CONFIG;
    }

    @Override
    protected Backend backend(Kernel kernel) {
        return new VxlanBackend(kernel);
    }

    @Override
    protected String device() {
        return "crossnet.1";
    }

    @Override
    protected boolean carriesTrafficWhileStopped() {
        return true;
    }

    /** The route to the peer's subnet, and the neighbour and FDB entries of its VTEP MAC. */
    @Override
    protected List<String> traces(Node host, Node peer) {
        String mac = peer.network.backendData().get("VtepMAC").asText();
        String ns = host.host.ns();
        return List.of(sh("ip route show " + peer.subnet, ns).strip(),
                sh("ip neigh show dev crossnet.1 | grep -i " + mac + " || true", ns).strip(),
                sh("bridge fdb show dev crossnet.1 | grep -i " + mac + " || true", ns).strip());
    }

    /** One simulated host running the backend with a config of the test's own. */
    private record Vtep(NetnsLab.Host host, Kernel kernel, Network network, Lease lease, String container) {
    }

    private Vtep vtep(int i, NetworkConfig config) {
        NetnsLab.Host h = lab.host(i);
        Kernel k = LinuxKernel.inNamespace(h.ns());
        Network n = new VxlanBackend(k).register(h.context(state), config);
        Subnet sn = Subnet.parse("10.5." + i + ".0/24");
        Lease lease = new Lease(sn, new LeaseAttrs(h.publicIp(), "vxlan", n.backendData()), null, 1);
        n.start(lease);
        // The container keeps the underlay's 1500, so that only crossnet's device limits the path MTU.
        String c = lab.container(h, sn, 1500);
        return new Vtep(h, k, n, lease, c);
    }

    private static void reconcileAll(List<Vtep> nodes) {
        for (Vtep n : nodes) {
            n.network().reconcile(nodes.stream().filter(o -> o != n).map(Vtep::lease).toList());
        }
    }

    private static String c(int i) {
        return "10.5." + i + ".2";
    }

    private void awaitPing(String fromNs, String ip) {
        awaitPing(fromNs, ip, 56);
    }

    /** Until one DF ping of {@code payload} bytes gets a reply; the limit only stops a broken run. */
    private void awaitPing(String fromNs, String ip, int payload) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> lab.ping(fromNs, ip, payload));
    }

    @Test
    void firewall_masqueradeOn_overlayToOverlayIsNeverNated() {
        List<Vtep> nodes = List.of(vtep(1, CONFIG), vtep(2, CONFIG));
        for (Vtep n : nodes) {
            n.kernel().firewall().ensureForwardRules(CONFIG.network());
            n.kernel().firewall().ensureMasqueradeRules(CONFIG.network(), n.lease().subnet());
        }
        reconcileAll(nodes);

        awaitPing(nodes.get(0).container(), c(2));

        // Packet counters of CROSSNET-POSTRTG on the sending host, rule by rule: the new flow hit the
        // overlay-to-overlay RETURN and neither MASQUERADE.
        List<String> counters = sh("iptables -w -t nat -L CROSSNET-POSTRTG -n -v -x | tail -n +3 | awk '{print $1}'",
                nodes.get(0).host().ns()).lines().toList();
        assertThat(counters).hasSize(4);
        assertThat(Long.parseLong(counters.get(0))).isPositive();
        assertThat(counters.get(1)).isEqualTo("0");
        assertThat(counters.get(3)).isEqualTo("0");
    }

    /** Removing peers is the contract's; here, that it removes only crossnet's own entries. */
    @Test
    void reconcile_peerRemoved_removesItsEntriesAndKeepsForeignOnes() {
        Vtep h1 = vtep(1, CONFIG);
        Lease two = new Lease(Subnet.parse("10.5.2.0/24"), new LeaseAttrs("192.168.77.3", "vxlan",
                JsonNodeFactory.instance.objectNode().put("VNI", 1).put("VtepMAC", "0a:00:00:00:00:02")), null, 1);
        String mac3 = "0a:00:00:00:00:03";
        Lease three = new Lease(Subnet.parse("10.5.3.0/24"), new LeaseAttrs("192.168.77.4", "vxlan",
                JsonNodeFactory.instance.objectNode().put("VNI", 1).put("VtepMAC", mac3)), null, 1);
        h1.network().reconcile(List.of(two, three));
        String ns = h1.host().ns();
        // Someone else's entries on our device and in our table.
        sh("ip route add 10.5.200.0/24 via 10.5.2.0 dev crossnet.1 onlink", ns);
        sh("ip route add 172.30.0.0/16 dev crossnet.1", ns);
        sh("ip neigh add 10.5.201.0 lladdr 0a:00:00:00:20:01 dev crossnet.1 nud reachable", ns);
        sh("bridge fdb append 00:00:00:00:00:00 dev crossnet.1 dst 192.168.77.200", ns);
        assertThat(sh("ip route", ns)).contains("10.5.3.0/24");

        h1.network().reconcile(List.of(two));

        assertThat(sh("ip route", ns)).doesNotContain("10.5.3.0/24").contains("10.5.2.0/24", "10.5.200.0/24",
                "172.30.0.0/16");
        assertThat(sh("ip neigh show dev crossnet.1", ns)).doesNotContain("10.5.3.0 ").contains("10.5.2.0 ", "10.5.201.0 ");
        String fdb = sh("bridge fdb show dev crossnet.1", ns);
        assertThat(fdb).doesNotContain(mac3).contains("0a:00:00:00:00:02", "00:00:00:00:00:00 dst 192.168.77.200");
    }

    @Test
    void start_makesTheVtepAsFlanneldDoes_andADeletedOneComesBackWithTheSameMac() {
        Vtep n = vtep(1, CONFIG);
        assertThat(sh("ip -d link show crossnet.1", n.host().ns()))
                .contains("vxlan id 1", "local 192.168.77.2", "dstport 8472", "nolearning", "mtu 1450");
        assertThat(sh("ip addr show crossnet.1", n.host().ns())).contains("inet 10.5.1.0/32");
        sh("ip link del crossnet.1", n.host().ns());

        Network again = new VxlanBackend(n.kernel()).register(n.host().context(state), CONFIG);

        assertThat(again.backendData()).isEqualTo(n.network().backendData());
    }

    @Test
    void register_incompatibleCrossnet1_failsNamingDeviceAndDifference() {
        NetnsLab.Host h = lab.host(1);
        sh("ip link add crossnet.1 type vxlan id 7 dstport 4789 local " + h.publicIp() + " dev " + h.iface(), h.ns());
        String before = sh("ip -d link show crossnet.1", h.ns());

        assertThatThrownBy(() -> new VxlanBackend(LinuxKernel.inNamespace(h.ns())).register(h.context(state), CONFIG))
                .isInstanceOf(CrossnetException.class)
                .hasMessageContaining("crossnet.1")
                .hasMessageContaining("VNI 7 (want 1)")
                .hasMessageContaining("port 4789 (want 8472)")
                .hasMessageContaining("learning (want nolearning)");
        assertThat(sh("ip -d link show crossnet.1", h.ns())).isEqualTo(before);
    }

    @Test
    void directRouting_peerOnSameL2_getsPlainRouteAndPings() {
        NetworkConfig direct = NetworkConfig.parse(
                "{\"Network\":\"10.5.0.0/16\",\"Backend\":{\"Type\":\"vxlan\",\"DirectRouting\":true}}");
        List<Vtep> nodes = List.of(vtep(1, direct), vtep(2, direct));
        reconcileAll(nodes);

        assertThat(sh("ip route show 10.5.2.0/24", nodes.get(0).host().ns()))
                .contains("via 192.168.77.3 dev " + nodes.get(0).host().iface());
        awaitPing(nodes.get(0).container(), c(2));
    }

    /**
     * Counts the {@code -batch} processes the reconciles run. The times are printed for the benchmark
     * notes (docs/benchmarks.md), never asserted.
     */
    @Test
    void reconcile_thousandPeers_programsThreeThousandEntriesInOneBatchPerType() {
        NetworkConfig wide = NetworkConfig.parse("{\"Network\":\"10.0.0.0/8\",\"Backend\":{\"Type\":\"vxlan\"}}");
        NetnsLab.Host h = lab.host(1);
        CommandLog log = new CommandLog();
        Kernel k = log.kernelIn(h.ns());
        Network n = new VxlanBackend(k).register(h.context(state), wide);
        n.start(new Lease(Subnet.parse("10.0.1.0/24"), new LeaseAttrs(h.publicIp(), "vxlan", n.backendData()), null, 1));
        List<Lease> peers = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            int third = 2 + i;
            Subnet sn = Subnet.parse("10." + (third >> 8) + "." + (third & 0xff) + ".0/24");
            String ip = "172.16." + (i / 250) + "." + (1 + i % 250);
            var data = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
                    .put("VNI", 1).put("VtepMAC", String.format("0a:00:00:00:%02x:%02x", i >> 8, i & 0xff));
            peers.add(new Lease(sn, new LeaseAttrs(ip, "vxlan", data), null, 1));
        }
        String counts = "ip route show proto 152 | wc -l; ip neigh show dev crossnet.1 nud permanent | wc -l;"
                + " bridge fdb show dev crossnet.1 | grep -c permanent || true";

        log.clear();
        long t0 = System.nanoTime();
        n.reconcile(peers);
        long t1 = System.nanoTime();
        assertThat(log.batches()).as("%s", log.runs()).extracting(CommandLog.Run::summary)
                .containsExactlyInAnyOrder("neigh replace x1000", "fdb replace x1000", "route replace x1000");
        assertThat(sh(counts, h.ns()).split("\\s+")).containsExactly("1000", "1000", "1000");

        log.clear();
        long t2 = System.nanoTime();
        n.reconcile(peers);
        long t3 = System.nanoTime();
        assertThat(log.batches()).as("a reconcile with nothing to change writes nothing").isEmpty();

        log.clear();
        n.reconcile(List.of());
        long t4 = System.nanoTime();
        assertThat(log.batches()).as("%s", log.runs()).extracting(CommandLog.Run::summary)
                .containsExactlyInAnyOrder("neigh del x1000", "fdb del x1000", "route del x1000");
        assertThat(sh(counts, h.ns()).split("\\s+")).containsExactly("0", "0", "0");

        // Once more with a warm JVM, as an agent that has been running would do it.
        long t5 = System.nanoTime();
        n.reconcile(peers);
        long t6 = System.nanoTime();
        System.out.printf("vxlan reconcile, 1000 peers (3000 entries): program %d ms (cold JVM), %d ms (warm);"
                        + " no-op %d ms; remove all %d ms%n", ms(t1 - t0), ms(t6 - t5), ms(t3 - t2), ms(t4 - t3));
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }
}

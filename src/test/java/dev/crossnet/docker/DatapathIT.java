package dev.crossnet.docker;

import static dev.crossnet.testing.Datagrams.ip;
import static dev.crossnet.testing.Datagrams.receiveOrNull;
import static dev.crossnet.testing.NetnsLab.sh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crossnet.docker.api.NetworkDriverApi;
import dev.crossnet.kernel.Chain;
import dev.crossnet.kernel.FirewallRules;
import dev.crossnet.kernel.linux.LinuxKernel;
import dev.crossnet.kernel.linux.Netns;
import dev.crossnet.store.sqlite.SqliteStore;
import dev.crossnet.testing.NetnsLab;
import dev.crossnet.testing.RawIpv4;
import dev.crossnet.testing.VxlanFrames;
import dev.crossnet.udp.Endpoints;
import inet.ipaddr.IPAddressString;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Docker networks' data plane on a real kernel, without dockerd (a Docker lab is slow): the
 * encapsulation filter on port 4789, and the driver's full pass repairing a segment someone
 * deleted. Needs root.
 */
@Tag("integration")
class DatapathIT {
    static final int VNI = 4096;
    static final String SUBNET = "192.168.100.0/24";

    @RegisterExtension
    final NetnsLab lab = new NetnsLab();

    @Test
    void vxlanToPort4789_fromAStranger_droppedAndCounted_fromAPeerHostsAddress_delivered() throws Exception {
        NetnsLab.Host h1 = lab.host(1);
        NetnsLab.Host h2 = lab.host(2);
        NetnsLab.Host stranger = lab.host(3);
        LinuxKernel kernel = LinuxKernel.inNamespace(h1.ns());
        Datapath dp = new Datapath(kernel, kernel.segments(),
                TestHosts.host("h1", new IPAddressString(h1.publicIp()).getAddress(), h1.iface(), 1500));
        NetworkRecord n = new NetworkRecord("n".repeat(64), "net", SUBNET, "192.168.100.1", "", VNI, Map.of(), false,
                Map.of(), "crossnet", Map.of(), "h1", "");
        String endpoint = lab.prefix() + "e1";
        EndpointRecord local = new EndpointRecord(n.id(), endpoint, "h1", h1.publicIp(), "192.168.100.2/24",
                "02:42:c0:a8:64:02", Datapath.hostIface(endpoint), "");
        EndpointRecord remote = new EndpointRecord(n.id(), lab.prefix() + "e2", "h2", h2.publicIp(), "192.168.100.3/24",
                "02:42:c0:a8:64:03", Datapath.hostIface(lab.prefix() + "e2"), "");
        dp.ensureSegment(n);
        dp.ensureVeth(local, n);
        String container = lab.namespace("c1");
        String inside = Datapath.containerIface(endpoint);
        sh("ip -n " + h1.ns() + " link set " + inside + " netns " + container);
        sh("ip -n " + container + " addr add 192.168.100.2/24 dev " + inside);
        sh("ip -n " + container + " link set " + inside + " up");
        dp.programPeers(n, List.of(local, remote));
        dp.ensureChains(List.of(n), List.of(local, remote), List.of());
        assertThat(kernel.firewall().listChain(Chain.DOCKER_INPUT)).contains("-s " + h2.publicIp() + "/32 -j RETURN");

        long to = Endpoints.of(ip(h1.publicIp()), Datapath.VXLAN_PORT);
        long innerFrom = Endpoints.of(ip("192.168.100.3"), 4000); // spoofed: h2's container
        long innerTo = Endpoints.of(ip("192.168.100.2"), 7777);
        try (DatagramSocket listener = Netns.run(container, () -> new DatagramSocket(new InetSocketAddress("192.168.100.2", 7777)));
             RawIpv4 raw = Netns.run(stranger.ns(), RawIpv4::new)) {
            raw.sendUdp(Endpoints.of(ip(stranger.publicIp()), 4789), to, frame(innerFrom, innerTo, "stranger"));
            String drop = FirewallRules.encapsulationDrop(Datapath.VXLAN_PORT);
            await("the stranger's datagram counted").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                    .until(() -> kernel.firewall().packetCounts(Chain.DOCKER_INPUT).getOrDefault(drop, 0L) == 1L);
            listener.setSoTimeout(500);
            assertThat(receiveOrNull(listener)).as("a stranger's frame reached the container").isNull();

            // The same datagram with h2's address as source passes: a filter cannot tell a spoofed peer.
            listener.setSoTimeout(10_000);
            raw.sendUdp(Endpoints.of(ip(h2.publicIp()), 4789), to, frame(innerFrom, innerTo, "peer"));
            assertThat(receiveOrNull(listener)).isEqualTo("peer");
        }
    }

    /**
     * Two hosts' drivers on one store, a container on each: after {@code ip link del} of h1's bridge
     * and vxlan device and {@code iptables -F}, one full pass ({@link NetworkDriver#reconcile}, what
     * the agent runs every few seconds) makes them again, puts the container's veth back on the
     * bridge, re-adds the peers and the chains, and the containers reach each other again.
     */
    @Test
    void reconcileFull_afterBridgeVxlanAndChainsDeleted_containersReachEachOtherAgain(@TempDir Path tmp) {
        NetnsLab.Host h1 = lab.host(1);
        NetnsLab.Host h2 = lab.host(2);
        try (SqliteStore store = new SqliteStore(tmp.resolve("store.db"), Clock.systemUTC(), Duration.ofMillis(20))) {
            DockerStore docker = new DockerStore(store, "/t");
            NetworkDriver d1 = driver(docker, h1, "h1");
            NetworkDriver d2 = driver(docker, h2, "h2");
            String net = "a".repeat(64);
            d1.createNetwork(new NetworkDriverApi.CreateNetworkRequest(net, Map.of(), List.of(
                    new NetworkDriverApi.IpamData("CrossnetLocal", SUBNET, "192.168.100.1/24", null)), List.of()));
            d2.createNetwork(new NetworkDriverApi.CreateNetworkRequest(net, Map.of(), List.of(
                    new NetworkDriverApi.IpamData("CrossnetLocal", SUBNET, "192.168.100.1/24", null)), List.of()));
            String c1 = container(d1, h1, net, lab.prefix() + "e1", "192.168.100.2");
            String c2 = container(d2, h2, net, lab.prefix() + "e2", "192.168.100.3");
            d1.reconcile(false);
            d2.reconcile(false);
            await("c1 -> c2").atMost(Duration.ofSeconds(20)).until(() -> lab.ping(c1, "192.168.100.3", 56));

            sh("ip link del cnbr" + VNI + "; ip link del cnvx" + VNI + "; iptables -w -F", h1.ns());
            assertThat(lab.ping(c1, "192.168.100.3", 56)).isFalse();
            d1.reconcile(true);

            await("c1 -> c2 after the repair").atMost(Duration.ofSeconds(20)).until(() -> lab.ping(c1, "192.168.100.3", 56));
            assertThat(lab.ping(c2, "192.168.100.2", 56)).isTrue();
            assertThat(sh("iptables -w -S", h1.ns())).contains("-A INPUT -j CROSSNET-DOCKER-IN", "-A FORWARD -j CROSSNET-DOCKER-FWD",
                    "-A CROSSNET-DOCKER-IN -s " + h2.publicIp() + "/32 -j RETURN");
        }
    }

    private static NetworkDriver driver(DockerStore docker, NetnsLab.Host h, String name) {
        LinuxKernel k = LinuxKernel.inNamespace(h.ns());
        return new NetworkDriver(docker, new Datapath(k, k.segments(),
                TestHosts.host(name, new IPAddressString(h.publicIp()).getAddress(), h.iface(), 1500)), Clock.systemUTC());
    }

    /** Creates and joins an endpoint as dockerd would, and moves its veth into a new "container" namespace. */
    private String container(NetworkDriver d, NetnsLab.Host h, String net, String endpoint, String ip) {
        d.createEndpoint(new NetworkDriverApi.CreateEndpointRequest(net, endpoint,
                new NetworkDriverApi.EndpointInterface(ip + "/24", null, null), Map.of()));
        d.join(new NetworkDriverApi.JoinRequest(net, endpoint, "/sb", Map.of()));
        String c = lab.namespace("c" + h.number());
        String inside = Datapath.containerIface(endpoint);
        sh("ip -n " + h.ns() + " link set " + inside + " netns " + c);
        sh("ip -n " + c + " addr add " + ip + "/24 dev " + inside);
        sh("ip -n " + c + " link set " + inside + " up");
        return c;
    }

    static byte[] frame(long innerFrom, long innerTo, String text) {
        byte[] packet = RawIpv4.udpPacket(innerFrom, innerTo, text.getBytes(StandardCharsets.US_ASCII));
        return VxlanFrames.vxlan(VNI, "02:42:c0:a8:64:02", "02:42:c0:a8:64:03", packet);
    }


}

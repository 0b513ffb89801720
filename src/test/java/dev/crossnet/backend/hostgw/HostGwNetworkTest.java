package dev.crossnet.backend.hostgw;

import static dev.crossnet.backend.TestPeers.config;
import static dev.crossnet.backend.TestPeers.stored;
import static dev.crossnet.backend.TestPeers.host;
import static dev.crossnet.backend.TestPeers.hostGwPeer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.backend.HostContext;
import dev.crossnet.backend.Network;
import dev.crossnet.backend.PeerPlan;
import dev.crossnet.kernel.RecordingKernel;
import dev.crossnet.kernel.Route;
import dev.crossnet.model.Lease;
import dev.crossnet.model.Subnet;
import inet.ipaddr.IPAddressString;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostGwNetworkTest {

    private static final Lease OWN = hostGwPeer("10.5.1.0/24", "192.168.9.2");

    @TempDir
    Path state;
    private RecordingKernel kernel;
    private HostContext host;
    private Network network;

    @BeforeEach
    void setUp() {
        kernel = new RecordingKernel();
        host = host(state);
        network = new HostGwBackend(kernel).register(host, config("{\"Type\":\"host-gw\"}"));
        network.start(OWN);
        kernel.clearCalls();
    }

    private static Route route(String dst, String via) {
        return new Route(Subnet.parse(dst), new IPAddressString(via).getAddress(), "eth0", false);
    }

    @Test
    void register_noMtuConfigured_usesUnderlayMtuAndPublishesNoBackendData() {
        assertThat(network.mtu()).isEqualTo(1500);
        assertThat(network.backendData()).isNull();
    }

    @Test
    void start_givesTheOverlayAddressToTheBridgeOnly_andAgainWritesNothing() {
        assertThat(kernel.links).containsOnlyKeys(HostGwBackend.DEVICE);
        assertThat(kernel.links.get(HostGwBackend.DEVICE).kind()).isEqualTo("bridge");
        assertThat(kernel.links.get(HostGwBackend.DEVICE).addresses()).extracting(a -> a.toCanonicalString()).containsExactly("10.5.1.0/32");

        network.start(OWN);

        assertThat(kernel.calls).isEmpty();
    }

    @Test
    void reconcile_peers_routeEachViaItsPublicIp() {
        network.reconcile(List.of(OWN, hostGwPeer("10.5.2.0/24", "192.168.9.3"), hostGwPeer("10.5.3.0/24", "192.168.9.4")));

        assertThat(kernel.routes.values()).containsExactlyInAnyOrder(
                route("10.5.2.0/24", "192.168.9.3"), route("10.5.3.0/24", "192.168.9.4"));
        assertThat(kernel.calls).hasSize(1);
    }

    @Test
    void reconcile_twice_secondRunWritesNothing() {
        List<Lease> peers = List.of(hostGwPeer("10.5.2.0/24", "192.168.9.3"));
        network.reconcile(peers);
        kernel.clearCalls();

        network.reconcile(peers);

        assertThat(kernel.calls).isEmpty();
    }

    @Test
    void reconcile_peerMovedToNewIp_replacesRouteWithoutDeleting() {
        network.reconcile(List.of(hostGwPeer("10.5.2.0/24", "192.168.9.3")));
        kernel.clearCalls();

        network.reconcile(List.of(hostGwPeer("10.5.2.0/24", "192.168.9.33")));

        assertThat(kernel.routes.values()).containsExactly(route("10.5.2.0/24", "192.168.9.33"));
        assertThat(kernel.calls).containsExactly("replaceRoutes [10.5.2.0/24 via 192.168.9.33 dev eth0]");
    }

    @Test
    void reconcile_peerGone_deletesItsRouteButNotForeignOnes() {
        Route foreign = route("10.5.99.0/24", "192.168.9.99");
        kernel.addForeignRoute(foreign);
        network.reconcile(List.of(hostGwPeer("10.5.2.0/24", "192.168.9.3")));

        network.reconcile(List.of());

        assertThat(kernel.routes.values()).containsExactly(foreign);
    }

    @Test
    void plan_peerOffOurL2Subnet_isRefusedNamingPeerIpAndSubnetWhileOthersAreRouted() {
        PeerPlan plan = HostGwNetwork.plan(host, config("{\"Type\":\"host-gw\"}"), OWN.subnet(), List.of(
                hostGwPeer("10.5.2.0/24", "192.168.9.3"), hostGwPeer("10.5.3.0/24", "172.20.0.3")));

        assertThat(plan.desired().routes()).containsExactly(route("10.5.2.0/24", "192.168.9.3"));
        assertThat(plan.skipped()).singleElement().asString()
                .contains("10.5.3.0/24", "172.20.0.3", "192.168.9.0/24");
    }

    @Test
    void reconcile_peerOffOurL2Subnet_doesNotThrow() {
        network.reconcile(List.of(hostGwPeer("10.5.3.0/24", "172.20.0.3")));

        assertThat(kernel.routes).isEmpty();
    }

    /** A route needs only the PublicIP, so a lease that names no backend (taken as host-gw) gets one. */
    @Test
    void reconcile_leasesNamingNoBackend_areRoutedViaTheirPublicIp() {
        network.reconcile(List.of(
                stored("10.5.2.0/24", "{\"PublicIP\":\"192.168.9.3\",\"PublicIPv6\":null}"),
                stored("10.5.3.0/24", "{\"PublicIP\":\"192.168.9.4\",\"BackendType\":\"\"}")));

        assertThat(kernel.routes.values()).containsExactlyInAnyOrder(
                route("10.5.2.0/24", "192.168.9.3"), route("10.5.3.0/24", "192.168.9.4"));
    }

    @Test
    void plan_leaseNamingAnotherBackend_isSkippedWithAReasonWhileOthersAreRouted() {
        PeerPlan plan = HostGwNetwork.plan(host, config("{\"Type\":\"host-gw\"}"), OWN.subnet(), List.of(
                hostGwPeer("10.5.2.0/24", "192.168.9.3"),
                stored("10.5.3.0/24", "{\"PublicIP\":\"192.168.9.4\",\"BackendType\":\"udp\"}")));

        assertThat(plan.desired().routes()).containsExactly(route("10.5.2.0/24", "192.168.9.3"));
        assertThat(plan.skipped()).containsExactly(
                "peer 10.5.3.0/24 at 192.168.9.4 runs backend \"udp\", not host-gw; skipped");
    }
}

package dev.crossnet.backend.vxlan;

import static dev.crossnet.backend.TestPeers.FLANNELD_UDP_LEASE;
import static dev.crossnet.backend.TestPeers.config;
import static dev.crossnet.backend.TestPeers.host;
import static dev.crossnet.backend.TestPeers.hostGwPeer;
import static dev.crossnet.backend.TestPeers.stored;
import static dev.crossnet.backend.TestPeers.vxlanPeer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crossnet.CrossnetException;
import dev.crossnet.backend.HostContext;
import dev.crossnet.backend.Network;
import dev.crossnet.backend.PeerPlan;
import dev.crossnet.kernel.FdbEntry;
import dev.crossnet.kernel.Link;
import dev.crossnet.kernel.Neighbour;
import dev.crossnet.kernel.RecordingKernel;
import dev.crossnet.kernel.Route;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.model.Lease;
import dev.crossnet.model.LeaseAttrs;
import dev.crossnet.model.Subnet;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VxlanNetworkTest {

    private static final String MAC_A = "0a:00:00:00:00:0a";
    private static final String MAC_B = "0a:00:00:00:00:0b";
    private static final Lease OWN = vxlanPeer("10.5.1.0/24", "192.168.9.2", "0a:00:00:00:00:01");

    @TempDir
    Path state;
    private RecordingKernel kernel;
    private HostContext host;

    @BeforeEach
    void setUp() {
        kernel = new RecordingKernel();
        host = host(state);
    }

    private static IPAddress ip(String s) {
        return new IPAddressString(s).getAddress();
    }

    private Network started(String backendJson) {
        Network n = new VxlanBackend(kernel).register(host, config(backendJson));
        n.start(OWN);
        kernel.clearCalls();
        return n;
    }

    /** A failed lease (full pool, store down) after register must leave nothing in the kernel. */
    @Test
    void register_createsNothing_untilStart() {
        Network n = new VxlanBackend(kernel).register(host, config("{\"Type\":\"vxlan\"}"));
        assertThat(kernel.links).doesNotContainKey("crossnet.1");
        assertThat(n.backendData().get("VtepMAC").asText()).isEqualTo(VtepMac.derive(ip("192.168.9.2"), 1));
    }

    @Test
    void start_freshKernel_createsNolearningDeviceWithDerivedMacAndMtu() {
        Network n = new VxlanBackend(kernel).register(host, config("{\"Type\":\"vxlan\"}"));
        n.start(OWN);

        Link l = kernel.links.get("crossnet.1");
        assertThat(l.vxlan()).isEqualTo(new Link.VxlanInfo(1, 8472, ip("192.168.9.2"), "eth0", false));
        assertThat(l.mac()).isEqualTo(VtepMac.derive(ip("192.168.9.2"), 1));
        assertThat(l.mtu()).isEqualTo(1450);
        assertThat(n.mtu()).isEqualTo(1450);
        assertThat(n.backendData().toString()).isEqualTo("{\"VNI\":1,\"VtepMAC\":\"" + l.mac() + "\"}");
    }

    @Test
    void start_vniAndPortConfigured_namesDeviceAfterVni() {
        new VxlanBackend(kernel).register(host, config("{\"Type\":\"vxlan\",\"VNI\":42,\"Port\":4789}")).start(OWN);

        assertThat(kernel.links.get("crossnet.42").vxlan().port()).isEqualTo(4789);
    }

    @Test
    void mtu_explicitBackendMtu_wins() {
        assertThat(VxlanBackend.mtu(config("{\"Type\":\"vxlan\",\"MTU\":1400}").backend(), 1500)).isEqualTo(1400);
        assertThat(VxlanBackend.mtu(config("{\"Type\":\"vxlan\"}").backend(), 9000)).isEqualTo(9000 - 50);
    }

    @Test
    void register_existingMatchingDevice_adoptsItAndPublishesItsMac() {
        kernel.addLink(new Link("crossnet.1", 7, "vxlan", "0a:bc:00:00:00:01", 1450, true,
                new Link.VxlanInfo(1, 8472, ip("192.168.9.2"), "eth0", false), List.of()));

        Network n = new VxlanBackend(kernel).register(host, config("{\"Type\":\"vxlan\"}"));

        assertThat(kernel.calls).isEmpty();
        assertThat(n.backendData().get("VtepMAC").asText()).isEqualTo("0a:bc:00:00:00:01");
    }

    @Test
    void register_existingDeviceWithOtherVniAndPort_failsNamingDeviceAndDifferences() {
        kernel.addLink(new Link("crossnet.1", 7, "vxlan", "0a:bc:00:00:00:01", 1450, true,
                new Link.VxlanInfo(2, 4789, ip("192.168.9.2"), "eth0", false), List.of()));

        assertThatThrownBy(() -> new VxlanBackend(kernel).register(host, config("{\"Type\":\"vxlan\"}")))
                .isInstanceOf(CrossnetException.class)
                .hasMessageContaining("crossnet.1")
                .hasMessageContaining("VNI 2 (want 1)")
                .hasMessageContaining("port 4789 (want 8472)");
        assertThat(kernel.calls).isEmpty();
    }

    @Test
    void register_existingBridgeNamedLikeUs_failsNamingKind() {
        kernel.addLink(new Link("crossnet.1", 7, "bridge", "0a:bc:00:00:00:01", 1500, true, null, List.of()));

        assertThatThrownBy(() -> new VxlanBackend(kernel).register(host, config("{\"Type\":\"vxlan\"}")))
                .hasMessageContaining("kind bridge (want vxlan)");
    }

    @Test
    void start_ownLease_givesDeviceTheNetworkAddressAsSlash32AndEnablesForwarding() {
        Network n = new VxlanBackend(kernel).register(host, config("{\"Type\":\"vxlan\"}"));
        n.start(OWN);

        assertThat(kernel.links.get("crossnet.1").addresses()).containsExactly(ip("10.5.1.0/32"));
        assertThat(kernel.sysctls).containsEntry("net/ipv4/ip_forward", "1");
    }

    /** What the agent's resync does: start, then reconcile. Nothing changed: nothing is written. */
    @Test
    void resync_nothingChanged_writesNothing() {
        Network n = started("{\"Type\":\"vxlan\"}");
        n.reconcile(List.of(vxlanPeer("10.5.2.0/24", "192.168.9.3", MAC_A)));
        kernel.clearCalls();

        n.start(OWN);
        n.reconcile(List.of(vxlanPeer("10.5.2.0/24", "192.168.9.3", MAC_A)));

        assertThat(kernel.calls).isEmpty();
    }

    /** {@code ip link del crossnet.1}, {@code ip link set crossnet.1 mtu 1400 down}: the resync makes it right, device first. */
    @Test
    void resync_deviceDeletedOrChanged_madeAgainBeforeItsEntries_withMacAddressAndMtu() {
        Network n = started("{\"Type\":\"vxlan\"}");
        n.reconcile(List.of(vxlanPeer("10.5.2.0/24", "192.168.9.3", MAC_A)));
        Link before = kernel.links.get("crossnet.1");
        // As the kernel does when the device goes: its neighbours, FDB entries and routes go with it.
        kernel.links.remove("crossnet.1");
        kernel.neighbours.clear();
        kernel.fdb.clear();
        kernel.routes.clear();
        kernel.routeOwned.clear();
        kernel.clearCalls();

        n.start(OWN);
        n.reconcile(List.of(vxlanPeer("10.5.2.0/24", "192.168.9.3", MAC_A)));

        assertThat(kernel.calls).extracting(c -> c.split(" ")[0])
                .containsExactly("createVxlan", "setAddress", "replaceNeighbours", "replaceFdb", "replaceRoutes");
        Link after = kernel.links.get("crossnet.1");
        assertThat(after.mac()).isEqualTo(before.mac());
        assertThat(after.addresses()).containsExactly(ip("10.5.1.0/32"));

        kernel.links.put("crossnet.1", new Link("crossnet.1", after.index(), "vxlan", after.mac(), 1400, false, after.vxlan(),
                after.addresses()));
        kernel.clearCalls();
        n.start(OWN);
        assertThat(kernel.calls).containsExactly("setLink crossnet.1 mtu 1450 up");
    }

    @Test
    void reconcile_newPeer_addsPermanentNeighbourFdbEntryAndOnlinkRoute() {
        Network n = started("{\"Type\":\"vxlan\"}");

        n.reconcile(List.of(OWN, vxlanPeer("10.5.2.0/24", "192.168.9.3", MAC_A)));

        assertThat(kernel.neighbours.values()).containsExactly(new Neighbour(ip("10.5.2.0"), MAC_A, "crossnet.1"));
        assertThat(kernel.fdb.values()).containsExactly(new FdbEntry(MAC_A, ip("192.168.9.3"), "crossnet.1"));
        assertThat(kernel.routes.values()).containsExactly(
                new Route(Subnet.parse("10.5.2.0/24"), ip("10.5.2.0"), "crossnet.1", true));
        assertThat(kernel.calls).containsExactly(
                "replaceNeighbours [10.5.2.0 lladdr 0a:00:00:00:00:0a dev crossnet.1]",
                "replaceFdb [0a:00:00:00:00:0a dev crossnet.1 dst 192.168.9.3]",
                "replaceRoutes [10.5.2.0/24 via 10.5.2.0 dev crossnet.1 onlink]");
    }

    @Test
    void reconcile_samePeersTwice_secondRunWritesNothing() {
        Network n = started("{\"Type\":\"vxlan\"}");
        List<Lease> peers = List.of(vxlanPeer("10.5.2.0/24", "192.168.9.3", MAC_A),
                vxlanPeer("10.5.3.0/24", "192.168.9.4", MAC_B));
        n.reconcile(peers);
        kernel.clearCalls();

        n.reconcile(peers);

        assertThat(kernel.calls).isEmpty();
    }

    @Test
    void reconcile_peerMacChanged_replacesNeighbourAndFdbInPlace() {
        Network n = started("{\"Type\":\"vxlan\"}");
        n.reconcile(List.of(vxlanPeer("10.5.2.0/24", "192.168.9.3", MAC_A)));
        kernel.clearCalls();

        n.reconcile(List.of(vxlanPeer("10.5.2.0/24", "192.168.9.3", MAC_B)));

        assertThat(kernel.neighbours.values()).containsExactly(new Neighbour(ip("10.5.2.0"), MAC_B, "crossnet.1"));
        assertThat(kernel.fdb.values()).containsExactly(new FdbEntry(MAC_B, ip("192.168.9.3"), "crossnet.1"));
        assertThat(kernel.calls).noneMatch(c -> c.startsWith("deleteNeighbours") || c.startsWith("deleteRoutes"))
                .contains("deleteFdb [0a:00:00:00:00:0a dev crossnet.1 dst 192.168.9.3]");
    }

    @Test
    void reconcile_peerPublicIpChanged_movesFdbEntryOnly() {
        Network n = started("{\"Type\":\"vxlan\"}");
        n.reconcile(List.of(vxlanPeer("10.5.2.0/24", "192.168.9.3", MAC_A)));
        kernel.clearCalls();

        n.reconcile(List.of(vxlanPeer("10.5.2.0/24", "192.168.9.30", MAC_A)));

        assertThat(kernel.calls).containsExactly("replaceFdb [0a:00:00:00:00:0a dev crossnet.1 dst 192.168.9.30]");
    }

    @Test
    void reconcile_peerGone_removesItsRouteNeighbourAndFdbEntry() {
        Network n = started("{\"Type\":\"vxlan\"}");
        n.reconcile(List.of(vxlanPeer("10.5.2.0/24", "192.168.9.3", MAC_A),
                vxlanPeer("10.5.3.0/24", "192.168.9.4", MAC_B)));

        n.reconcile(List.of(vxlanPeer("10.5.3.0/24", "192.168.9.4", MAC_B)));

        assertThat(kernel.routes.keySet()).containsExactly(Subnet.parse("10.5.3.0/24"));
        assertThat(kernel.neighbours.values()).extracting(Neighbour::mac).containsExactly(MAC_B);
        assertThat(kernel.fdb.values()).extracting(FdbEntry::mac).containsExactly(MAC_B);
    }

    @Test
    void reconcile_foreignRoutes_areNeverDeleted() {
        Network n = started("{\"Type\":\"vxlan\"}");
        Route foreignInNetwork = new Route(Subnet.parse("10.5.200.0/24"), ip("192.168.9.99"), "eth0", false);
        Route foreignOnDevice = new Route(Subnet.parse("172.16.0.0/16"), ip("10.5.2.0"), "crossnet.1", true);
        kernel.addForeignRoute(foreignInNetwork);
        kernel.addForeignRoute(foreignOnDevice);

        n.reconcile(List.of());

        assertThat(kernel.routes.values()).containsExactlyInAnyOrder(foreignInNetwork, foreignOnDevice);
        assertThat(kernel.calls).isEmpty();
    }

    @Test
    void plan_directRouting_peerOnOurL2GetsPlainRouteOthersGetVxlan() {
        NetworkConfig b = config("{\"Type\":\"vxlan\",\"DirectRouting\":true}");

        PeerPlan plan = VxlanNetwork.plan("crossnet.1", host, b, OWN.subnet(), List.of(
                vxlanPeer("10.5.2.0/24", "192.168.9.3", MAC_A),
                vxlanPeer("10.5.3.0/24", "172.20.0.3", MAC_B)));

        assertThat(plan.desired().routes()).containsExactlyInAnyOrder(
                new Route(Subnet.parse("10.5.2.0/24"), ip("192.168.9.3"), "eth0", false),
                new Route(Subnet.parse("10.5.3.0/24"), ip("10.5.3.0"), "crossnet.1", true));
        assertThat(plan.desired().neighbours()).extracting(Neighbour::mac).containsExactly(MAC_B);
        assertThat(plan.desired().fdb()).extracting(FdbEntry::dst).containsExactly(ip("172.20.0.3"));
    }

    @Test
    void plan_withoutDirectRouting_peerOnOurL2StillGoesThroughVxlan() {
        PeerPlan plan = VxlanNetwork.plan("crossnet.1", host, config("{\"Type\":\"vxlan\"}"),
                OWN.subnet(), List.of(vxlanPeer("10.5.2.0/24", "192.168.9.3", MAC_A)));

        assertThat(plan.desired().routes()).extracting(Route::dev).containsExactly("crossnet.1");
    }

    @Test
    void plan_unusablePeers_areSkippedWithAReasonNamingThem() {
        Lease vni1 = vxlanPeer("10.5.4.0/24", "192.168.9.5", "0a:00:00:00:00:0c");
        com.fasterxml.jackson.databind.node.ObjectNode vni7 = (com.fasterxml.jackson.databind.node.ObjectNode) vni1.attrs().backendData();
        vni7.put("VNI", 7);
        Lease otherVni = new Lease(vni1.subnet(), new LeaseAttrs(vni1.attrs().publicIp(), vni1.attrs().backendType(), vni7),
                vni1.expiration(), vni1.revision());

        PeerPlan plan = VxlanNetwork.plan("crossnet.1", host, config("{\"Type\":\"vxlan\"}"),
                OWN.subnet(), List.of(
                        hostGwPeer("10.5.2.0/24", "192.168.9.3"),
                        vxlanPeer("10.5.3.0/24", "192.168.9.4", "not-a-mac"),
                        otherVni,
                        vxlanPeer("10.5.5.0/24", "192.168.9.6", MAC_A),
                        vxlanPeer("10.5.6.0/24", "192.168.9.7", MAC_A)));

        assertThat(plan.skipped()).hasSize(4);
        assertThat(plan.skipped().get(0)).contains("10.5.2.0/24", "host-gw");
        assertThat(plan.skipped().get(1)).contains("10.5.3.0/24", "VtepMAC");
        assertThat(plan.skipped().get(2)).contains("10.5.4.0/24", "VNI 7");
        assertThat(plan.skipped().get(3)).contains("10.5.6.0/24", MAC_A);
        assertThat(plan.desired().routes()).extracting(Route::dst).containsExactly(Subnet.parse("10.5.5.0/24"));
    }

    /**
     * flanneld skips a vxlan lease whose BackendData it cannot decode; so do we, whether the lease
     * says vxlan or names no backend (taken as vxlan), and the other peers are still programmed.
     */
    @Test
    void reconcile_leasesWithoutBackendData_areSkippedWithAReasonWhileOthersAreProgrammed() {
        Network n = started("{\"Type\":\"vxlan\"}");
        Lease good = vxlanPeer("10.5.2.0/24", "192.168.9.3", MAC_A);
        Lease noType = stored("10.5.3.0/24", FLANNELD_UDP_LEASE);
        Lease emptyType = stored("10.5.4.0/24", "{\"PublicIP\":\"192.168.9.5\",\"BackendType\":\"\"}");
        Lease vxlanNoData = stored("10.5.5.0/24", "{\"PublicIP\":\"192.168.9.6\",\"BackendType\":\"vxlan\"}");

        n.reconcile(List.of(good, noType, emptyType, vxlanNoData));

        assertThat(kernel.routes.values()).extracting(Route::dst).containsExactly(Subnet.parse("10.5.2.0/24"));
        assertThat(kernel.fdb.values()).containsExactly(new FdbEntry(MAC_A, ip("192.168.9.3"), "crossnet.1"));
        PeerPlan plan = VxlanNetwork.plan("crossnet.1", host, config("{\"Type\":\"vxlan\"}"),
                OWN.subnet(), List.of(good, noType, emptyType, vxlanNoData));
        assertThat(plan.skipped()).containsExactly(
                "peer 10.5.3.0/24: BackendData.VtepMAC is missing and the lease names no BackendType"
                        + " (a reservation not taken up yet, or a host running flanneld's udp backend?); skipped",
                "peer 10.5.4.0/24: BackendData.VtepMAC is missing and the lease names no BackendType"
                        + " (a reservation not taken up yet, or a host running flanneld's udp backend?); skipped",
                "peer 10.5.5.0/24: BackendData.VtepMAC is missing; skipped");
    }

    @Test
    void plan_leaseNamingUdp_isSkippedAsAnotherBackend() {
        PeerPlan plan = VxlanNetwork.plan("crossnet.1", host, config("{\"Type\":\"vxlan\"}"),
                OWN.subnet(), List.of(stored("10.5.3.0/24", "{\"PublicIP\":\"192.168.9.4\",\"BackendType\":\"udp\"}")));

        assertThat(plan.skipped()).containsExactly(
                "peer 10.5.3.0/24 at 192.168.9.4 runs backend \"udp\", not vxlan; skipped");
        assertThat(plan.desired().routes()).isEmpty();
    }
}

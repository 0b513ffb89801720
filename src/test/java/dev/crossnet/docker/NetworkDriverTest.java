package dev.crossnet.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crossnet.CrossnetException;
import dev.crossnet.docker.api.NetworkDriverApi;
import dev.crossnet.docker.api.NetworkDriverApi.CreateEndpointRequest;
import dev.crossnet.docker.api.NetworkDriverApi.CreateNetworkRequest;
import dev.crossnet.docker.api.NetworkDriverApi.EndpointInterface;
import dev.crossnet.docker.api.NetworkDriverApi.IpamData;
import dev.crossnet.kernel.Chain;
import dev.crossnet.kernel.RecordingKernel;
import dev.crossnet.kernel.RecordingSegments;
import dev.crossnet.kernel.linux.FakeIptables;
import dev.crossnet.model.Subnet;
import dev.crossnet.reconcile.ReconcileLoop;
import dev.crossnet.docker.api.PluginDispatcher;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import dev.crossnet.store.sqlite.SqliteStore;
import inet.ipaddr.IPAddressString;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The driver's logic on a real (temporary) store with recording kernels for two hosts. No root. */
class NetworkDriverTest {
    static final String PREFIX = "/t";
    static final String NET1 = "a".repeat(64);

    @TempDir
    Path tmp;
    SqliteStore store;
    DockerStore docker;
    Host h1;
    Host h2;

    record Host(NetworkDriver driver, RecordingKernel kernel, RecordingSegments segments) {
    }

    @BeforeEach
    void setUp() {
        store = new SqliteStore(tmp.resolve("store.db"), Clock.systemUTC(), Duration.ofMillis(20));
        docker = new DockerStore(store, PREFIX);
        h1 = host("h1", "172.30.0.11");
        h2 = host("h2", "172.30.0.12");
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    private Host host(String name, String ip) {
        RecordingKernel k = new RecordingKernel();
        RecordingSegments s = new RecordingSegments(k);
        Datapath dp = new Datapath(k, s, TestHosts.host(name, new IPAddressString(ip).getAddress(), "eth0", 1500,
                Subnet.parse("172.30.0.0/24")));
        return new Host(new NetworkDriver(docker, dp, Clock.systemUTC()), k, s);
    }

    static CreateNetworkRequest create(String id, String subnet, String gateway, Map<String, Object> generic) {
        return new CreateNetworkRequest(id, Map.of(NetworkDriver.GENERIC, generic),
                List.of(new IpamData("CrossnetLocal", subnet, gateway, null)), List.of());
    }

    @Test
    void createNetwork_new_storedWithFirstVniAndAttached() {
        h1.driver().createNetwork(create(NET1, "192.168.100.0/24", "192.168.100.1/24", Map.of("foo", "bar")));
        NetworkRecord n = docker.network(NET1).orElseThrow();
        assertThat(n.vni()).isEqualTo(DockerStore.FIRST_VNI);
        assertThat(n.subnet()).isEqualTo("192.168.100.0/24");
        assertThat(n.gateway()).isEqualTo("192.168.100.1");
        assertThat(n.options()).containsEntry("foo", "bar");
        assertThat(n.createdBy()).isEqualTo("h1");
        assertThat(docker.attachmentsOf("h1")).containsKey(NET1);
        h1.driver().createNetwork(create("b".repeat(64), "192.168.101.0/24", "192.168.101.1/24", Map.of()));
        assertThat(docker.network("b".repeat(64)).orElseThrow().vni()).isEqualTo(DockerStore.FIRST_VNI + 1);
    }

    @Test
    void createNetwork_withNetworkOption_onOtherHost_isTheSameNetwork() {
        h1.driver().createNetwork(create(NET1, "192.168.100.0/24", "192.168.100.1/24", Map.of()));
        h2.driver().createNetwork(create("c".repeat(64), "192.168.100.0/24", "192.168.100.1/24",
                Map.of(NetworkDriver.NETWORK_OPTION, NET1)));
        assertThat(docker.networks()).hasSize(1);
        assertThat(docker.attachmentsOf("h2").get("c".repeat(64)).networkId()).isEqualTo(NET1);
    }

    @Test
    void createNetwork_sameSubnetByHand_isTheSameNetwork() {
        h1.driver().createNetwork(create(NET1, "192.168.100.0/24", "192.168.100.1/24", Map.of()));
        h2.driver().createNetwork(create("c".repeat(64), "192.168.100.0/24", "192.168.100.1/24", Map.of()));
        assertThat(docker.networks()).hasSize(1);
    }

    @Test
    void createNetwork_encryptedOnAHostWithoutSealIdentity_refusedNamingWhyAndNothingWritten() {
        assertThatThrownBy(() -> h1.driver().createNetwork(create(NET1, "192.168.100.0/24", "192.168.100.1/24",
                Map.of("encrypted", ""))))
                .hasMessageContaining("--opt encrypted: host h1 cannot encrypt: the agent was started without a seal identity")
                .hasMessageContaining("will not make a cleartext network");
        assertThat(store.list(PREFIX + "/").items()).isEmpty();
    }

    @Test
    void createNetwork_plainForTheSubnetOfAnEncryptedNetwork_refusedNotJoinedInClear() {
        docker.createNetwork(new NetworkRecord(NET1, "secret", "192.168.100.0/24", "192.168.100.1", "", 0,
                Map.of("encrypted", ""), false, Map.of(), "crossnet", Map.of(), "h2", "now"));
        String before = store.list(PREFIX + "/").items().toString();
        assertThatThrownBy(() -> h1.driver().createNetwork(create("c".repeat(64), "192.168.100.0/24", "192.168.100.1/24",
                Map.of()))).hasMessageContaining("crossnet network secret on 192.168.100.0/24 is encrypted; add --opt encrypted");
        // Even as EngineSync creates it (options included), a host that cannot encrypt refuses it.
        assertThatThrownBy(() -> h1.driver().createNetwork(create("c".repeat(64), "192.168.100.0/24", "192.168.100.1/24",
                Map.of(NetworkDriver.NETWORK_OPTION, NET1, "encrypted", "")))).hasMessageContaining("cannot encrypt");
        assertThat(store.list(PREFIX + "/").items().toString()).isEqualTo(before);
    }

    @Test
    void createNetwork_defaultIpam_refusedAndNothingWritten() {
        CreateNetworkRequest req = new CreateNetworkRequest(NET1, Map.of(),
                List.of(new IpamData("LocalDefault", "192.168.100.0/24", "192.168.100.1/24", null)), List.of());
        assertThatThrownBy(() -> h1.driver().createNetwork(req)).hasMessageContaining("--ipam-driver crossnet");
        assertThat(store.list(PREFIX + "/").items()).isEmpty();
    }

    @Test
    void createNetwork_unknownNetworkOption_refused() {
        assertThatThrownBy(() -> h2.driver().createNetwork(create("c".repeat(64), "192.168.100.0/24", "192.168.100.1/24",
                Map.of(NetworkDriver.NETWORK_OPTION, "gone")))).hasMessageContaining("no such crossnet network");
        assertThat(store.list(PREFIX + "/").items()).isEmpty();
    }

    @Test
    void createNetwork_subnetOverlapsUnderlay_refusedNamingBothAndNothingWritten() {
        assertThatThrownBy(() -> h1.driver().createNetwork(create(NET1, "172.30.0.0/16", "172.30.0.1/16", Map.of())))
                .isInstanceOf(CrossnetException.class)
                .hasMessageContaining("--subnet 172.30.0.0/16 overlaps 172.30.0.0/24, the underlay subnet of eth0 on host h1");
        assertThat(store.list(PREFIX + "/").items()).isEmpty();
    }

    @Test
    void createNetwork_subnetOverlapsAnotherCrossnetNetwork_refusedNamingBothAndNothingWritten() {
        h1.driver().createNetwork(create(NET1, "192.168.100.0/24", "192.168.100.1/24", Map.of()));
        int before = store.list(PREFIX + "/").items().size();

        assertThatThrownBy(() -> h2.driver().createNetwork(create("c".repeat(64), "192.168.0.0/16", "192.168.0.1/16", Map.of())))
                .isInstanceOf(CrossnetException.class)
                .hasMessageContaining("--subnet 192.168.0.0/16 overlaps 192.168.100.0/24 of crossnet network " + NET1.substring(0, 12));
        assertThat(store.list(PREFIX + "/").items()).hasSize(before);
        assertThat(docker.attachmentsOf("h2")).isEmpty();
    }

    @Test
    void createNetwork_subnetOverlapsFlannelNetwork_refusedNamingBothAndNothingWritten() {
        store.put(PREFIX + "/config", "{\"Network\":\"10.5.0.0/16\"}", null);

        assertThatThrownBy(() -> h1.driver().createNetwork(create(NET1, "10.5.200.0/24", "10.5.200.1/24", Map.of())))
                .isInstanceOf(CrossnetException.class)
                .hasMessageContaining("--subnet 10.5.200.0/24 overlaps 10.5.0.0/16, the flannel Network");
        assertThat(store.list(PREFIX + "/docker/").items()).isEmpty();
        h1.driver().createNetwork(create(NET1, "10.6.0.0/24", "10.6.0.1/24", Map.of()));
        assertThat(docker.network(NET1)).isPresent();
    }

    @Test
    void endpointsOnTwoHosts_joinBuildsSegment_peersProgrammedFromStore() {
        String net2 = "c".repeat(64);
        h1.driver().createNetwork(create(NET1, "192.168.100.0/24", "192.168.100.1/24", Map.of()));
        h2.driver().createNetwork(create(net2, "192.168.100.0/24", "192.168.100.1/24", Map.of(NetworkDriver.NETWORK_OPTION, NET1)));
        NetworkDriverApi.CreateEndpointResponse r = h1.driver().createEndpoint(
                new CreateEndpointRequest(NET1, "e1".repeat(8), new EndpointInterface("192.168.100.2/24", null, null), Map.of()));
        assertThat(r.iface().macAddress()).isEqualTo("02:42:c0:a8:64:02");
        NetworkDriverApi.JoinResponse j = h1.driver().join(new NetworkDriverApi.JoinRequest(NET1, "e1".repeat(8), "/sb", Map.of()));
        assertThat(j.interfaceName().srcName()).isEqualTo("cnce1e1e1e1e1");
        assertThat(j.interfaceName().dstPrefix()).isEqualTo("eth");
        assertThat(j.gateway()).isEqualTo("192.168.100.1");
        assertThat(h1.segments().calls).containsExactly(
                "createSegment cnbr4096 cnvx4096 vni 4096 gw 192.168.100.1/24",
                "createVeth cnve1e1e1e1e1 cnce1e1e1e1e1 02:42:c0:a8:64:02 on cnbr4096");
        assertThat(h1.kernel().chains.get(Chain.DOCKER_POSTROUTING))
                .containsExactly("-s 192.168.100.0/24 ! -d 192.168.100.0/24 -j MASQUERADE");
        assertThat(h1.kernel().chains.get(Chain.DOCKER_FORWARD)).contains("-i cnbr+ -o cnbr+ -j DROP");

        h2.driver().createEndpoint(new CreateEndpointRequest(net2, "e2".repeat(8),
                new EndpointInterface("192.168.100.3/24", null, "02:42:c0:a8:64:03"), Map.of()));
        h2.driver().join(new NetworkDriverApi.JoinRequest(net2, "e2".repeat(8), "/sb", Map.of()));
        assertThat(h2.kernel().neighbours.values()).extracting(Object::toString)
                .containsExactly("192.168.100.2 lladdr 02:42:c0:a8:64:02 dev cnvx4096");
        h1.driver().reconcile(false); // what the store watch triggers on h1
        assertThat(h1.kernel().neighbours.values()).extracting(Object::toString)
                .containsExactly("192.168.100.3 lladdr 02:42:c0:a8:64:03 dev cnvx4096");
        assertThat(h1.kernel().fdb.values()).extracting(Object::toString)
                .containsExactly("02:42:c0:a8:64:03 dev cnvx4096 dst 172.30.0.12");

        // A second pass changes nothing; a restarted driver adopts everything.
        h1.kernel().clearCalls();
        h1.driver().reconcile(true);
        Host restarted = new Host(new NetworkDriver(docker, new Datapath(h1.kernel(), h1.segments(),
                TestHosts.host("h1", new IPAddressString("172.30.0.11").getAddress(), "eth0", 1500)), Clock.systemUTC()),
                h1.kernel(), h1.segments());
        restarted.driver().reconcile(true);
        assertThat(h1.kernel().calls).isEmpty();
        assertThat(docker.endpoints(null)).hasSize(2);

        // The remote endpoint goes: its entries go; the last local one goes: the segment goes.
        h2.driver().deleteEndpoint(new NetworkDriverApi.DeleteEndpointRequest(net2, "e2".repeat(8)));
        assertThat(h2.segments().segments).isEmpty();
        restarted.driver().reconcile(false);
        assertThat(h1.kernel().neighbours).isEmpty();
        assertThat(h1.kernel().fdb).isEmpty();
    }

    /** Two networks: h1 has a container on the first, h2 on both; strangers to port 4789 are dropped. */
    @Test
    void reconcile_encapsulationFilter_admitsTheHostsOfOtherHostsEndpointsOnly() {
        String net2 = "c".repeat(64);
        h1.driver().createNetwork(create(NET1, "192.168.100.0/24", "192.168.100.1/24", Map.of()));
        h2.driver().createNetwork(create(net2, "192.168.100.0/24", "192.168.100.1/24", Map.of(NetworkDriver.NETWORK_OPTION, NET1)));
        h1.driver().createEndpoint(new CreateEndpointRequest(NET1, "e1".repeat(8), new EndpointInterface("192.168.100.2/24", null, null), Map.of()));
        h2.driver().createEndpoint(new CreateEndpointRequest(net2, "e2".repeat(8), new EndpointInterface("192.168.100.3/24", null, null), Map.of()));
        // A third host's endpoint with a HostIP that is no address is left out, not a reason to stop.
        docker.createEndpoint(new EndpointRecord(NET1, "e3".repeat(8), "h3", "x", "192.168.100.4/24", "02:42:c0:a8:64:04",
                "cnve3e3e3e3e3", ""));

        h1.driver().reconcile(false);
        h2.driver().reconcile(false);

        assertThat(h1.kernel().chains.get(Chain.DOCKER_INPUT)).containsExactly(
                "! -p udp -j RETURN",
                "-p udp -m udp ! --dport 4789 -j RETURN",
                "-s 172.30.0.12/32 -j RETURN",
                "-p udp -m udp --dport 4789 -j DROP");
        assertThat(h2.kernel().chains.get(Chain.DOCKER_INPUT)).contains("-s 172.30.0.11/32 -j RETURN")
                .doesNotContain("-s 172.30.0.12/32 -j RETURN");

        docker.deleteEndpoint(NET1, "e2".repeat(8)); // h2's Docker network is crossnet network NET1
        h1.driver().reconcile(false);
        assertThat(h1.kernel().chains.get(Chain.DOCKER_INPUT)).containsExactly(
                "! -p udp -j RETURN", "-p udp -m udp ! --dport 4789 -j RETURN", "-p udp -m udp --dport 4789 -j DROP");
    }

    /** With a flannel network on port 4789 too, its hosts' traffic passes this chain: every lease's PublicIP is admitted. */
    @Test
    void reconcile_encapsulationFilter_alsoAdmitsTheClusterHosts() {
        RecordingKernel k = new RecordingKernel();
        NetworkDriver d = new NetworkDriver(docker, new Datapath(k, new RecordingSegments(k), TestHosts.host("h1",
                new IPAddressString("172.30.0.11").getAddress(), "eth0", 1500)), Clock.systemUTC(),
                () -> List.of(new IPAddressString("172.30.0.40").getAddress()));

        d.reconcile(true);

        assertThat(k.chains.get(Chain.DOCKER_INPUT)).contains("-s 172.30.0.40/32 -j RETURN", "-p udp -m udp --dport 4789 -j DROP");
    }

    /**
     * The real iptables code on a fake of its tools: a pass that finds crossnet's three Docker chains right
     * reads the tables once and writes nothing (it ran three {@code iptables-save} a full pass), and one that
     * finds them all gone reads once and writes both tables in one {@code iptables-restore}.
     */
    @Test
    void reconcile_chainsRightOrAllGone_oneIptablesSaveAndAtMostOneRestore() {
        FakeIptables iptables = new FakeIptables();
        RecordingKernel k = new RecordingKernel();
        NetworkDriver d = new NetworkDriver(docker, new Datapath(k.withFirewall(iptables.firewall()), new RecordingSegments(k),
                TestHosts.host("h1", new IPAddressString("172.30.0.11").getAddress(), "eth0", 1500)), Clock.systemUTC());
        String net2 = "c".repeat(64);
        d.createNetwork(create(NET1, "192.168.100.0/24", "192.168.100.1/24", Map.of()));
        h2.driver().createNetwork(create(net2, "192.168.100.0/24", "192.168.100.1/24", Map.of(NetworkDriver.NETWORK_OPTION, NET1)));
        d.createEndpoint(new CreateEndpointRequest(NET1, "e1".repeat(8), new EndpointInterface("192.168.100.2/24", null, null), Map.of()));
        d.join(new NetworkDriverApi.JoinRequest(NET1, "e1".repeat(8), "/sb", Map.of()));
        h2.driver().createEndpoint(new CreateEndpointRequest(net2, "e2".repeat(8), new EndpointInterface("192.168.100.3/24", null, null), Map.of()));
        d.reconcile(true);

        iptables.commands.clear();
        d.reconcile(true);
        d.reconcile(false);
        assertThat(iptables.runs("iptables-save")).isEqualTo(2);
        assertThat(iptables.runs("iptables-restore")).isZero();

        iptables.flush();
        iptables.commands.clear();
        d.reconcile(true);
        assertThat(iptables.runs("iptables-save")).isEqualTo(1);
        assertThat(iptables.runs("iptables-restore")).isEqualTo(1);
        assertThat(iptables.chains("filter").get("CROSSNET-DOCKER-IN")).contains("-s 172.30.0.12/32 -j RETURN");
        assertThat(iptables.chains("filter").get("CROSSNET-DOCKER-FWD")).contains("-i cnbr4096 -o cnbr4096 -j ACCEPT");
        assertThat(iptables.chains("nat").get("CROSSNET-DOCKER-NAT")).containsExactly("-s 192.168.100.0/24 ! -d 192.168.100.0/24 -j MASQUERADE");
    }

    /** {@code ip link del cnbr4096}, {@code ip link del cnvx4096} and an emptied chain: the next full pass repairs all. */
    @Test
    void reconcileFull_afterTheBridgeAndChainsWereDeleted_segmentVethsPeersAndChainsComeBack() {
        String net2 = "c".repeat(64);
        h1.driver().createNetwork(create(NET1, "192.168.100.0/24", "192.168.100.1/24", Map.of()));
        h2.driver().createNetwork(create(net2, "192.168.100.0/24", "192.168.100.1/24", Map.of(NetworkDriver.NETWORK_OPTION, NET1)));
        h1.driver().createEndpoint(new CreateEndpointRequest(NET1, "e1".repeat(8), new EndpointInterface("192.168.100.2/24", null, null), Map.of()));
        h1.driver().join(new NetworkDriverApi.JoinRequest(NET1, "e1".repeat(8), "/sb", Map.of()));
        h2.driver().createEndpoint(new CreateEndpointRequest(net2, "e2".repeat(8), new EndpointInterface("192.168.100.3/24", null, null), Map.of()));
        h1.driver().reconcile(true);
        assertThat(h1.kernel().neighbours).hasSize(1);

        h1.segments().deleteBridgeByHand("cnbr4096");
        h1.kernel().neighbours.clear(); // the vxlan device went too, and its entries with it
        h1.kernel().fdb.clear();
        h1.kernel().chains.clear(); // iptables -F
        h1.segments().calls.clear();
        h1.driver().reconcile(true);

        assertThat(h1.segments().calls).containsExactly("createSegment cnbr4096 cnvx4096 vni 4096 gw 192.168.100.1/24",
                "attachVeth cnve1e1e1e1e1 to cnbr4096");
        assertThat(h1.kernel().neighbours.values()).extracting(Object::toString)
                .containsExactly("192.168.100.3 lladdr 02:42:c0:a8:64:03 dev cnvx4096");
        assertThat(h1.kernel().fdb).hasSize(1);
        assertThat(h1.kernel().chains).containsKeys(Chain.DOCKER_FORWARD, Chain.DOCKER_POSTROUTING, Chain.DOCKER_INPUT);
    }

    @Test
    void deleteNetwork_lastUser_removedFromClusterAndVniFreed() {
        h1.driver().createNetwork(create(NET1, "192.168.100.0/24", "192.168.100.1/24", Map.of()));
        h1.driver().deleteNetwork(new NetworkDriverApi.DeleteNetworkRequest(NET1));
        assertThat(docker.networks()).isEmpty();
        assertThat(store.list(PREFIX + "/docker/vni/").items()).isEmpty();
    }

    @Test
    void deleteNetwork_remoteEndpoints_staysInCluster() {
        String net2 = "c".repeat(64);
        h1.driver().createNetwork(create(NET1, "192.168.100.0/24", "192.168.100.1/24", Map.of()));
        h2.driver().createNetwork(create(net2, "192.168.100.0/24", "192.168.100.1/24", Map.of(NetworkDriver.NETWORK_OPTION, NET1)));
        h2.driver().createEndpoint(new CreateEndpointRequest(net2, "e2".repeat(8), new EndpointInterface("192.168.100.3/24", null, null), Map.of()));
        AuthzHandler authz = new AuthzHandler(docker, "h1");
        assertThat(authz.request(new dev.crossnet.docker.api.AuthzApi.Request(null, "DELETE", "/v1.41/networks/" + NET1.substring(0, 12), null, null)).msg())
                .contains("active endpoints on host h2");
        h1.driver().deleteNetwork(new NetworkDriverApi.DeleteNetworkRequest(NET1));
        assertThat(docker.network(NET1)).isPresent();
        assertThat(docker.attachmentsOf("h1")).isEmpty();
    }

    @Test
    void unknownNetworkOrBadIds_refused() {
        assertThatThrownBy(() -> h1.driver().join(new NetworkDriverApi.JoinRequest("feed", "e1", "/sb", Map.of())))
                .isInstanceOf(CrossnetException.class).hasMessageContaining("unknown network feed");
        assertThatThrownBy(() -> h1.driver().deleteNetwork(new NetworkDriverApi.DeleteNetworkRequest("../x")))
                .hasMessageContaining("is not a Docker ID");
        assertThat(store.list(PREFIX + "/").items()).isEmpty();
    }

    @Test
    void createNetwork_whileTheLoopIsBusy_answersWithoutWaitingForIt() throws Exception {
        // On the other hosts, CreateNetwork is how a network made elsewhere enters their dockerd: it
        // writes only the store, so it must not queue behind a reconcile pass (issue 10, "network visible").
        ReconcileLoop loop = new ReconcileLoop(Clock.systemUTC());
        Thread loopThread = new Thread(loop::run, "reconcile");
        loopThread.start();
        CountDownLatch busy = new CountDownLatch(1);
        try {
            loop.execute(() -> {
                try {
                    busy.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            PluginDispatcher d = h1.driver().onLoop(loop).register(new PluginDispatcher());
            byte[] body = new ObjectMapper().writeValueAsBytes(create(NET1, "192.168.100.0/24", "192.168.100.1/24", Map.of()));
            CompletableFuture<PluginDispatcher.Reply> r = CompletableFuture.supplyAsync(
                    () -> d.dispatch(NetworkDriverApi.CREATE_NETWORK, body));
            PluginDispatcher.Reply reply = r.get(60, TimeUnit.SECONDS);
            assertThat(reply.status()).as(reply.bodyText()).isEqualTo(200);
            assertThat(docker.attachmentsOf("h1")).containsKey(NET1);
        } finally {
            busy.countDown();
            loop.close();
            loopThread.join(60_000);
        }
    }
}

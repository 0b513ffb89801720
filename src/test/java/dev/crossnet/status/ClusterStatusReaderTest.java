package dev.crossnet.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.lease.LeaseRegistry;
import dev.crossnet.model.LeaseAttrs;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.model.Subnet;
import dev.crossnet.store.StoreJson;
import dev.crossnet.store.sqlite.SqliteStore;
import dev.crossnet.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterStatusReaderTest {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final String PREFIX = "/coreos.com/network";
    static final ClusterStatus.StoreHealth WHERE = new ClusterStatus.StoreHealth("embedded", List.of("/x/store.db"), false, null);

    @TempDir
    Path tmp;
    MutableClock clock;
    SqliteStore store;
    LeaseRegistry leases;

    @BeforeEach
    void setUp() {
        clock = new MutableClock(T0);
        store = new SqliteStore(tmp.resolve("store.db"), clock, Duration.ofMillis(20));
        leases = new LeaseRegistry(store, PREFIX);
        leases.setConfig(NetworkConfig.parse("{\"Network\":\"10.5.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}"));
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    void host(String name, String ip, String subnet) {
        leases.create(Subnet.parse(subnet), new LeaseAttrs(ip, "vxlan", null), Duration.ofHours(1));
        AgentPresence.start(store, name, ip, () -> null, clock).close(); // a record; then made running below
        new AgentPresence(store, name, ip, () -> null, clock).beat();
    }

    void report(String name, String ip, String subnet, ClusterStatus.Peer... peers) {
        store.put(HostReport.PREFIX + name, StoreJson.write(new HostReport(name, ip, subnet, "vxlan", Map.of("vni", "1"), List.of(peers),
                List.of(new ClusterStatus.Problem("vxlan", "", "route 10.5.9.0/24: refused", T0.toString())), T0.toString())), null);
    }

    static ClusterStatus.Peer peer(String ip, String subnet, boolean reachable, Double rtt) {
        return new ClusterStatus.Peer(ip, ip, subnet, reachable, rtt, T0.toString());
    }

    ClusterStatus read(String from) {
        return new ClusterStatusReader(store, PREFIX, WHERE, clock).read(from);
    }

    @Test
    void read_joinsLeasesAgentsAndReports_namingPeersByHost() {
        host("h1", "192.168.1.1", "10.5.1.0/24");
        host("h2", "192.168.1.2", "10.5.2.0/24");
        report("h1", "192.168.1.1", "10.5.1.0/24", peer("192.168.1.2", "10.5.2.0/24", true, 0.25));

        ClusterStatus s = read("h1");

        assertThat(s.from()).isEqualTo("h1");
        assertThat(s.takenAt()).isEqualTo(T0.toString());
        assertThat(s.store()).isEqualTo(new ClusterStatus.StoreHealth("embedded", List.of("/x/store.db"), true, null));
        assertThat(s.network()).isEqualTo(new ClusterStatus.Overlay("10.5.0.0/16", "vxlan"));
        assertThat(s.hosts()).extracting(ClusterStatus.Host::name).containsExactly("h1", "h2");
        ClusterStatus.Host h1 = s.host("h1");
        assertThat(h1.publicIp()).isEqualTo("192.168.1.1");
        assertThat(h1.subnet()).isEqualTo("10.5.1.0/24");
        assertThat(h1.mode()).containsEntry("vni", "1");
        assertThat(h1.agent().ready()).isTrue();
        assertThat(h1.agent().lastSeen()).isEqualTo(T0.toString());
        assertThat(h1.peers()).containsExactly(new ClusterStatus.Peer("h2", "192.168.1.2", "10.5.2.0/24", true, 0.25, T0.toString()));
        assertThat(h1.errors()).extracting(ClusterStatus.Problem::message).containsExactly("route 10.5.9.0/24: refused");
        ClusterStatus.Host h2 = s.host("h2");
        assertThat(h2.peers()).as("no report").isEmpty();
        assertThat(h2.backend()).as("from its lease").isEqualTo("vxlan");
    }

    @Test
    void aHostWhoseAliveKeyLapsed_isNotReadyAndDown() {
        host("h1", "192.168.1.1", "10.5.1.0/24");
        host("h3", "192.168.1.3", "10.5.3.0/24");
        store.delete(AgentPresence.ALIVE + "h3");

        ClusterStatus.Host h3 = read("h1").host("h3");

        assertThat(h3.agent().ready()).isFalse();
        assertThat(h3.agent().state()).isEqualTo("down");
    }

    @Test
    void aLeaseWithoutAnyAgentRecord_isAHostNamedByItsPublicIp() {
        leases.create(Subnet.parse("10.5.7.0/24"), new LeaseAttrs("192.168.1.7", "vxlan", null), Duration.ofHours(1));

        ClusterStatus.Host h = read("").host("192.168.1.7");

        assertThat(h.subnet()).isEqualTo("10.5.7.0/24");
        assertThat(h.agent()).isEqualTo(new ClusterStatus.AgentState(false, "none", null, null, null));
    }

    @Test
    void dockerNetworks_listTheirContainersByHost() {
        store.put(PREFIX + "/docker/networks/abc123", "{\"Name\":\"appnet\",\"Subnet\":\"10.7.0.0/24\",\"Gateway\":\"10.7.0.1\",\"VNI\":4096}", null);
        store.put(PREFIX + "/docker/endpoints/abc123/ep2", "{\"Host\":\"h2\",\"Address\":\"10.7.0.3/24\",\"Container\":\"web2\"}", null);
        store.put(PREFIX + "/docker/endpoints/abc123/ep1aaaaaaaaaaaaaa", "{\"Host\":\"h1\",\"Address\":\"10.7.0.2/24\"}", null);

        List<ClusterStatus.DockerNetwork> nets = read("").networks();

        assertThat(nets).singleElement().satisfies(n -> {
            assertThat(n.name()).isEqualTo("appnet");
            assertThat(n.id()).isEqualTo("abc123");
            assertThat(n.subnet()).isEqualTo("10.7.0.0/24");
            assertThat(n.encrypted()).isFalse();
            assertThat(n.containers()).containsExactly(new ClusterStatus.Container("ep1aaaaaaaaa", "h1", "10.7.0.2"),
                    new ClusterStatus.Container("web2", "h2", "10.7.0.3"));
        });
    }

    @Test
    void aClosedStore_givesADocumentSayingSo() {
        store.close();

        ClusterStatus s = read("h1");

        assertThat(s.store().healthy()).isFalse();
        assertThat(s.store().error()).isNotBlank();
        assertThat(s.hosts()).isEmpty();
    }

    @Test
    void json_roundTrips_withTheContractsFieldNames() {
        host("h1", "192.168.1.1", "10.5.1.0/24");
        report("h1", "192.168.1.1", "10.5.1.0/24", peer("192.168.1.2", "10.5.2.0/24", false, null));
        ClusterStatus s = read("h1");

        String json = s.toJson();

        assertThat(ClusterStatus.fromJson(json)).isEqualTo(s);
        assertThat(json).contains("\"takenAt\"", "\"from\"", "\"store\"", "\"kind\"", "\"endpoints\"", "\"healthy\"", "\"network\"", "\"cidr\"",
                "\"hosts\"", "\"publicIp\"", "\"subnet\"", "\"backend\"", "\"mode\"", "\"agent\"", "\"ready\"", "\"since\"", "\"lastSeen\"",
                "\"peers\"", "\"reachable\"", "\"rttMs\"", "\"lastProbe\"", "\"errors\"", "\"object\"", "\"message\"", "\"networks\"");
        assertThat(ClusterStatus.fromJson("{\"takenAt\":\"x\",\"newField\":1}").hosts()).as("unknown fields skipped").isEmpty();
    }
}

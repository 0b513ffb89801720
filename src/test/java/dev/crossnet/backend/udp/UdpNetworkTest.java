package dev.crossnet.backend.udp;

import static dev.crossnet.backend.TestPeers.FLANNELD_UDP_LEASE;
import static dev.crossnet.backend.TestPeers.config;
import static dev.crossnet.backend.TestPeers.host;
import static dev.crossnet.backend.TestPeers.hostGwPeer;
import static dev.crossnet.backend.TestPeers.stored;
import static dev.crossnet.backend.TestPeers.vxlanPeer;
import static dev.crossnet.backend.udp.Packets.ip;
import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.kernel.RecordingKernel;
import dev.crossnet.lease.LeaseRegistry;
import dev.crossnet.model.Lease;
import dev.crossnet.model.Subnet;
import dev.crossnet.store.sqlite.SqliteStore;
import dev.crossnet.udp.Endpoints;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which leases become udp peers. The network is never started here (no TUN, no socket): {@link
 * UdpNetwork#reconcile} builds the forwarding table the datapath would be handed.
 */
class UdpNetworkTest {

    private static final int PORT = 8285;

    @TempDir
    Path dir;

    private final UdpMetrics metrics = new UdpMetrics(new PrometheusRegistry());
    private final UdpNetwork network = new UdpNetwork(new RecordingKernel(), host(Path.of("/nonexistent")),
            config("{\"Type\":\"udp\"}"), 1472,
            Endpoints.of(ip("192.168.9.2"), PORT), 1, UdpBackend.Offload.NONE, metrics, null, null);

    private static String endpoint(String publicIp) {
        return publicIp + ":" + PORT;
    }

    private String forwardedTo(String innerAddress) {
        Peer p = network.table().lookup(ip(innerAddress));
        return p == null ? null : Endpoints.toString(p.endpoint);
    }

    /** Issue 9: the agent logged "ignoring lease 172.31.7.0/24 (BackendType null, …)" and never forwarded to it. */
    @Test
    void reconcile_flanneldUdpLeaseFromTheStore_becomesAPeer() {
        try (SqliteStore store = new SqliteStore(dir.resolve("store.db"), Clock.systemUTC(), Duration.ofMillis(10))) {
            LeaseRegistry registry = new LeaseRegistry(store, "/coreos.com/network");
            store.put(registry.subnetsPrefix() + "172.31.7.0-24", FLANNELD_UDP_LEASE, null);

            network.reconcile(registry.leases().leases());
        }

        assertThat(forwardedTo("172.31.7.9")).isEqualTo(endpoint("10.203.0.1"));
    }

    @Test
    void reconcile_emptyBackendType_becomesAPeer() {
        network.reconcile(List.of(stored("172.31.8.0/24", "{\"PublicIP\":\"10.203.0.2\",\"BackendType\":\"\"}")));

        assertThat(forwardedTo("172.31.8.1")).isEqualTo(endpoint("10.203.0.2"));
    }

    private static List<Lease> usable(List<String> skipped, Lease... peers) {
        return UdpNetwork.usable(host(Path.of("/nonexistent")), config("{\"Type\":\"udp\"}"), List.of(peers), skipped);
    }

    @Test
    void usable_leasesNamingNoBackendAndUdp_allBecomePeers() {
        List<String> skipped = new ArrayList<>();
        List<Lease> usable = usable(skipped,
                stored("172.31.7.0/24", FLANNELD_UDP_LEASE),
                stored("172.31.8.0/24", "{\"PublicIP\":\"10.203.0.2\",\"BackendType\":null}"),
                stored("172.31.9.0/24", "{\"PublicIP\":\"10.203.0.3\",\"BackendType\":\"udp\"}"));

        assertThat(skipped).isEmpty();
        assertThat(usable).extracting(l -> l.subnet() + " via " + l.attrs().publicIp()).containsExactly(
                "172.31.7.0/24 via 10.203.0.1", "172.31.8.0/24 via 10.203.0.2", "172.31.9.0/24 via 10.203.0.3");
    }

    @Test
    void usable_leaseNamingAnotherBackend_isSkippedWithAReasonWhileOthersAreKept() {
        List<String> skipped = new ArrayList<>();
        List<Lease> usable = usable(skipped,
                vxlanPeer("172.31.6.0/24", "10.203.0.6", "0a:00:00:00:00:0a"),
                stored("172.31.7.0/24", FLANNELD_UDP_LEASE),
                hostGwPeer("172.31.8.0/24", "10.203.0.8"));

        assertThat(usable).extracting(Lease::subnet).containsExactly(Subnet.parse("172.31.7.0/24"));
        assertThat(skipped).containsExactly(
                "peer 172.31.6.0/24 at 10.203.0.6 runs backend \"vxlan\", not udp; skipped",
                "peer 172.31.8.0/24 at 10.203.0.8 runs backend \"host-gw\", not udp; skipped");
    }

    @Test
    void usable_leaseWithoutValidPublicIp_isSkippedNamingWhatItHas() {
        List<String> skipped = new ArrayList<>();
        List<Lease> usable = usable(skipped,
                stored("172.31.7.0/24", "{\"PublicIPv6\":null}"),
                stored("172.31.8.0/24", "{\"PublicIP\":\"10.1\"}"),
                stored("172.31.9.0/24", "null"));

        assertThat(usable).isEmpty();
        assertThat(skipped).containsExactly(
                "peer 172.31.7.0/24 has no valid PublicIP (missing); skipped",
                "peer 172.31.8.0/24 has no valid PublicIP (\"10.1\"); skipped",
                "peer 172.31.9.0/24 has no valid PublicIP (missing); skipped");
    }

    @Test
    void reconcile_peerGone_leavesTheTable() {
        Lease flanneld = stored("172.31.7.0/24", FLANNELD_UDP_LEASE);
        network.reconcile(List.of(flanneld));

        network.reconcile(List.of());

        assertThat(forwardedTo("172.31.7.9")).isNull();
    }
}

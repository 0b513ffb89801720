package dev.crossnet.backend.udp;

import static dev.crossnet.backend.udp.Packets.ip;
import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.model.Subnet;
import dev.crossnet.udp.Endpoints;
import inet.ipaddr.IPAddressString;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ForwardingTableTest {
    private final UdpMetrics metrics = new UdpMetrics(new PrometheusRegistry());

    private Peer peer(String cidr, String publicIp) {
        return new Peer(Subnet.parse(cidr), Endpoints.of(new IPAddressString(publicIp).getAddress(), 8285), metrics);
    }

    @Test
    void lookup_addressInPeerSubnet_returnsThatPeer() {
        ForwardingTable t = ForwardingTable.of(List.of(peer("10.5.2.0/24", "192.168.1.2"), peer("10.5.3.0/24", "192.168.1.3")));
        assertThat(t.lookup(ip("10.5.3.77")).subnet).isEqualTo(Subnet.parse("10.5.3.0/24"));
        assertThat(t.lookup(ip("10.5.2.0")).subnet).isEqualTo(Subnet.parse("10.5.2.0/24"));
        assertThat(t.lookup(ip("10.5.4.1"))).isNull();
        assertThat(ForwardingTable.EMPTY.lookup(ip("10.5.3.1"))).isNull();
    }

    @Test
    void lookup_overlappingPrefixes_longestWins() {
        ForwardingTable t = ForwardingTable.of(List.of(peer("10.0.0.0/8", "192.168.1.2"), peer("10.5.3.0/24", "192.168.1.3")));
        assertThat(t.lookup(ip("10.5.3.9")).subnet.toString()).isEqualTo("10.5.3.0/24");
        assertThat(t.lookup(ip("10.9.3.9")).subnet.toString()).isEqualTo("10.0.0.0/8");
    }

    @Test
    void lookup_addressesAbove2pow31_compareUnsigned() {
        ForwardingTable t = ForwardingTable.of(List.of(peer("172.16.0.0/24", "192.168.1.2"), peer("192.168.7.0/24", "192.168.1.3"),
                peer("200.1.1.0/24", "192.168.1.4")));
        assertThat(t.lookup(ip("192.168.7.3")).subnet.toString()).isEqualTo("192.168.7.0/24");
        assertThat(t.lookup(ip("200.1.1.200")).subnet.toString()).isEqualTo("200.1.1.0/24");
    }

    @Test
    void byEndpoint_knownAndUnknown() {
        ForwardingTable t = ForwardingTable.of(List.of(peer("10.5.2.0/24", "192.168.1.2")));
        assertThat(t.byEndpoint(Endpoints.of(ip("192.168.1.2"), 8285)).subnet.toString()).isEqualTo("10.5.2.0/24");
        assertThat(t.byEndpoint(Endpoints.of(ip("192.168.1.2"), 8286))).isNull();
        assertThat(t.byEndpoint(Endpoints.of(ip("192.168.1.9"), 8285))).isNull();
    }

    @Test
    void of_duplicateSubnet_lastWins() {
        ForwardingTable t = ForwardingTable.of(List.of(peer("10.5.2.0/24", "192.168.1.2"), peer("10.5.2.0/24", "192.168.1.9")));
        assertThat(t.size()).isEqualTo(1);
        assertThat(Endpoints.toString(t.lookup(ip("10.5.2.1")).endpoint)).isEqualTo("192.168.1.9:8285");
    }

    /** Differential test against a linear scan for the longest matching prefix. */
    @Test
    void lookup_randomTables_matchesLinearReference() {
        Random rnd = new Random(42);
        for (int round = 0; round < 200; round++) {
            List<Peer> peers = new ArrayList<>();
            int n = rnd.nextInt(20);
            for (int i = 0; i < n; i++) {
                int prefix = 8 + rnd.nextInt(25);
                int net = (10 << 24 | rnd.nextInt(1 << 16) << 8) & (-1 << (32 - prefix));
                peers.add(peer(Endpoints.ipToString(net) + "/" + prefix, "192.168.1." + (i + 1)));
            }
            ForwardingTable t = ForwardingTable.of(peers);
            for (int q = 0; q < 200; q++) {
                int addr = 10 << 24 | rnd.nextInt(1 << 24);
                Peer expected = null;
                for (Peer p : t.peers()) {
                    if (p.contains(addr) && (expected == null || p.prefixLength > expected.prefixLength)) {
                        expected = p;
                    }
                }
                assertThat(t.lookup(addr)).as("lookup %s in %s", Endpoints.ipToString(addr), t.peers()).isSameAs(expected);
            }
        }
    }
}

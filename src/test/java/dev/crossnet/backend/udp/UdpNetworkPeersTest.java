package dev.crossnet.backend.udp;

import static dev.crossnet.backend.TestPeers.config;
import static dev.crossnet.backend.TestPeers.host;
import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.model.Lease;
import dev.crossnet.model.LeaseAttrs;
import dev.crossnet.model.Subnet;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which leases the udp datapath may send to: the shared checks of {@code Peers}. No TUN, no root. */
class UdpNetworkPeersTest {

    private static Lease udp(String subnet, String publicIp) {
        return new Lease(Subnet.parse(subnet), new LeaseAttrs(publicIp, "udp", null), null, 1);
    }

    @Test
    void usable_badPublicIps_skippedWithReasonsOthersKept() {
        List<String> skipped = new ArrayList<>();

        List<Lease> usable = UdpNetwork.usable(host(Path.of("/nonexistent")), config("{\"Type\":\"udp\"}"), List.of(
                udp("10.5.2.0/24", "192.168.9.3"),
                udp("10.5.3.0/24", "255.255.255.255"),
                udp("10.5.4.0/24", "192.168.9.2"),
                udp("10.5.5.0/24", "10.5.99.1"),
                new Lease(Subnet.parse("10.5.6.0/24"), new LeaseAttrs("192.168.9.7", "vxlan", null), null, 1),
                udp("10.5.7.0/24", "172.20.0.7")), skipped);

        assertThat(usable).extracting(l -> l.subnet().toString()).containsExactly("10.5.2.0/24", "10.5.7.0/24");
        assertThat(skipped).hasSize(4);
        assertThat(skipped.get(0)).contains("10.5.3.0/24", "PublicIP 255.255.255.255", "not a unicast address");
        assertThat(skipped.get(1)).contains("10.5.4.0/24", "PublicIP 192.168.9.2 is this host's own");
        assertThat(skipped.get(2)).contains("10.5.5.0/24", "PublicIP 10.5.99.1 is inside the overlay Network 10.5.0.0/16");
        assertThat(skipped.get(3)).contains("10.5.6.0/24", "runs backend \"vxlan\", not udp");
    }
}

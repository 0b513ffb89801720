package dev.crossnet.backend;

import static dev.crossnet.backend.TestPeers.host;
import static dev.crossnet.backend.TestPeers.hostGwPeer;
import static dev.crossnet.backend.TestPeers.vxlanPeer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.model.Lease;
import dev.crossnet.model.Subnet;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The checks every backend runs on what other hosts published. Host 192.168.9.2 on 192.168.9.0/24, Network 10.5.0.0/16. */
class PeersTest {

    private static final Subnet NETWORK = Subnet.parse("10.5.0.0/16");
    private static final HostContext HOST = host(Path.of("/nonexistent"));

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "255.255.255.255 | PublicIP 255.255.255.255 is the limited broadcast address",
        "224.0.0.5       | PublicIP 224.0.0.5 is multicast",
        "127.0.0.1       | PublicIP 127.0.0.1 is loopback",
        "0.0.0.0         | PublicIP 0.0.0.0 is \"this network\"",
        "192.168.9.255   | PublicIP 192.168.9.255 is the broadcast address of our underlay subnet 192.168.9.0/24",
        "192.168.9.2     | PublicIP 192.168.9.2 is this host's own",
        "10.5.7.1        | PublicIP 10.5.7.1 is inside the overlay Network 10.5.0.0/16",
        "x               | has no valid PublicIP (\"x\")",
        "10.1            | has no valid PublicIP (\"10.1\")",
    })
    void problem_badPublicIp_namesPeerAndField(String publicIp, String expected) {
        String p = Peers.problem(hostGwPeer("10.5.3.0/24", publicIp), "host-gw", HOST, NETWORK);

        assertThat(p).startsWith("peer 10.5.3.0/24").contains(expected).endsWith("; skipped");
    }

    @ParameterizedTest
    @CsvSource({"192.168.9.3", "172.20.0.3", "169.254.1.1"})
    void problem_unicastPeerAddress_null(String publicIp) {
        assertThat(Peers.problem(hostGwPeer("10.5.3.0/24", publicIp), "host-gw", HOST, NETWORK)).isNull();
    }

    @ParameterizedTest
    @CsvSource({"vxlan", "udp"})
    void problem_otherBackend_namesBoth(String ours) {
        assertThat(Peers.problem(hostGwPeer("10.5.3.0/24", "192.168.9.3"), ours, HOST, NETWORK))
                .contains("runs backend \"host-gw\", not " + ours);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "01:00:5e:00:00:01 | BackendData.VtepMAC 01:00:5e:00:00:01 is a multicast MAC",
        "00:00:00:00:00:00 | BackendData.VtepMAC 00:00:00:00:00:00 is all zeros",
        "nope              | BackendData.VtepMAC \"nope\" is not a MAC address",
    })
    void vtepMacProblem_bad_namesField(String mac, String expected) {
        Lease l = vxlanPeer("10.5.3.0/24", "192.168.9.3", mac);
        assertThat(Peers.vtepMacProblem(l)).startsWith("peer 10.5.3.0/24").contains(expected);
    }

    @org.junit.jupiter.api.Test
    void vtepMacProblem_missingOrUnicast() {
        assertThat(Peers.vtepMacProblem(hostGwPeer("10.5.3.0/24", "192.168.9.3"))).contains("VtepMAC is missing");
        assertThat(Peers.vtepMacProblem(vxlanPeer("10.5.3.0/24", "192.168.9.3", "0a:00:00:00:00:0a"))).isNull();
    }
}

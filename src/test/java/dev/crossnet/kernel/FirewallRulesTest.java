package dev.crossnet.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.model.Subnet;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import java.util.List;
import org.junit.jupiter.api.Test;

class FirewallRulesTest {

    @Test
    void masquerade_overlayToOverlayReturnsBeforeAnyMasquerade() {
        assertThat(FirewallRules.masquerade(Subnet.parse("10.5.0.0/16"), Subnet.parse("10.5.1.0/24"))).containsExactly(
                "-s 10.5.0.0/16 -d 10.5.0.0/16 -j RETURN",
                "-s 10.5.0.0/16 ! -d 224.0.0.0/4 -j MASQUERADE --random-fully",
                "! -s 10.5.0.0/16 -d 10.5.1.0/24 -j RETURN",
                "! -s 10.5.0.0/16 -d 10.5.0.0/16 -j MASQUERADE --random-fully");
    }

    @Test
    void forward_acceptsFromAndToNetwork() {
        assertThat(FirewallRules.forward(Subnet.parse("10.5.0.0/16")))
                .containsExactly("-s 10.5.0.0/16 -j ACCEPT", "-d 10.5.0.0/16 -j ACCEPT");
    }

    static IPAddress ip(String s) {
        return new IPAddressString(s).getAddress();
    }

    @Test
    void encapsulationPeers_otherTrafficReturnsFirst_peersSortedAndUnique_strangersDropped() {
        assertThat(FirewallRules.encapsulationPeers(8472, List.of(ip("172.30.0.13"), ip("172.30.0.9"), ip("172.30.0.13"),
                ip("fd00::1")))).containsExactly(
                "! -p udp -j RETURN",
                "-p udp -m udp ! --dport 8472 -j RETURN",
                "-s 172.30.0.9/32 -j RETURN",
                "-s 172.30.0.13/32 -j RETURN",
                "-p udp -m udp --dport 8472 -j DROP");
    }

    @Test
    void encapsulationPeers_noPeers_dropsEveryDatagramToThePort_portZeroHasNoRules() {
        assertThat(FirewallRules.encapsulationPeers(8285, List.of()))
                .containsExactly("! -p udp -j RETURN", "-p udp -m udp ! --dport 8285 -j RETURN", "-p udp -m udp --dport 8285 -j DROP");
        assertThat(FirewallRules.encapsulationPeers(0, List.of(ip("172.30.0.9")))).isEmpty();
    }

    @Test
    void ensureEncapsulationPeers_samePeersInAnotherOrder_writesOnce() {
        RecordingKernel k = new RecordingKernel();
        k.firewall().ensureEncapsulationPeers(Chain.INPUT, 4789, List.of(ip("10.0.0.2"), ip("10.0.0.1")));
        k.firewall().ensureEncapsulationPeers(Chain.INPUT, 4789, List.of(ip("10.0.0.1"), ip("10.0.0.2")));

        assertThat(k.calls).hasSize(1);
    }
}

package dev.crossnet.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crossnet.docker.sealed.SealedDatapath;
import dev.crossnet.kernel.FirewallRules;
import dev.crossnet.kernel.RecordingKernel;
import dev.crossnet.kernel.RecordingSegments;
import dev.crossnet.model.Subnet;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link Datapath}'s side of encrypted networks on a recording kernel: MTU, firewall, and what it refuses. No root. */
class DatapathEncryptedTest {
    static final NetworkRecord SEALED = new NetworkRecord("n".repeat(64), "secret", "192.168.110.0/24", "192.168.110.1",
            "", 4097, Map.of("encrypted", ""), true, Map.of(), "crossnet", Map.of(), "h2", "");
    static final NetworkRecord PLAIN = new NetworkRecord("p".repeat(64), "plain", "192.168.120.0/24", "192.168.120.1",
            "", 4098, Map.of(), true, Map.of(), "crossnet", Map.of(), "h2", "");

    final RecordingKernel kernel = new RecordingKernel();
    final RecordingSegments segments = new RecordingSegments(kernel);
    final Datapath datapath = new Datapath(kernel, segments,
            TestHosts.host("h1", new IPAddressString("172.30.0.11").getAddress(), "eth0", 1500, Subnet.parse("172.30.0.0/24")));

    @Test
    void mtu_encryptedIsTheUnderlaysLessTheSealedOverhead() {
        assertThat(SealedDatapath.OVERHEAD).isEqualTo(78);
        assertThat(datapath.mtu(SEALED)).isEqualTo(1500 - 78);
        assertThat(datapath.mtu(PLAIN)).isEqualTo(1450);
    }

    @Test
    void ensureSegment_encryptedWithoutSealIdentity_refusedAndNothingMade() {
        datapath.sealedBy(null, "/etc/crossnet holds no seal key");
        assertThatThrownBy(() -> datapath.ensureSegment(SEALED))
                .hasMessageContaining("encrypted network secret: host h1 cannot encrypt: /etc/crossnet holds no seal key");
        assertThat(kernel.links).isEmpty();
        assertThat(segments.calls).isEmpty();
    }

    @Test
    void programPeers_encrypted_neverWritesVxlanEntries() {
        EndpointRecord remote = new EndpointRecord(SEALED.id(), "e".repeat(64), "h2", "172.30.0.12", "192.168.110.3/24",
                "02:42:c0:a8:6e:03", "cnveeeeeeeeee", "");
        datapath.programPeers(SEALED, List.of(remote));
        assertThat(kernel.fdb).isEmpty();
        assertThat(kernel.neighbours).isEmpty();
    }

    @Test
    void inputRules_withSealedPort_admitsBothPortsFromPeersOnlyAndCountsEachPortsStrangers() {
        List<IPAddress> peers = List.of(new IPAddressString("172.30.0.12").getAddress());
        assertThat(Datapath.inputRules(false, peers)).isEqualTo(FirewallRules.encapsulationPeers(4789, peers));
        assertThat(Datapath.inputRules(true, peers)).containsExactly(
                "! -p udp -j RETURN",
                "-p udp -m multiport ! --dports 4789,4793 -j RETURN",
                "-s 172.30.0.12/32 -j RETURN",
                "-p udp -m udp --dport 4789 -j DROP",
                "-p udp -m udp --dport 4793 -j DROP");
    }
}

package dev.crossnet.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.status.AgentPresence;
import dev.crossnet.status.ClusterStatus;
import dev.crossnet.status.HostReport;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class NodeListTest {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final NodeRegistry.Node H1 = new NodeRegistry.Node("h1", "10.0.0.1", ClusterConfig.MEMBER, T0.toString());

    static AgentPresence.Status status(String host, String ip, String state, boolean alive) {
        return new AgentPresence.Status(host, ip, state, null, T0, alive);
    }

    @Test
    void theAgentColumnIsTheHostsRecordByName() {
        List<AgentPresence.Status> agents = List.of(status("h0", "10.0.0.1", "ready", true), status("h1", "10.0.0.9", "down", false));
        assertThat(NodeList.agent(agents, H1)).isEqualTo("down since " + T0);
    }

    @Test
    void anAgentUnderAnotherNameIsFoundByItsAddressALiveOneFirst() {
        List<AgentPresence.Status> agents = List.of(status("old", "10.0.0.1", "stopped", false), status("box1", "10.0.0.1", "ready", true),
                status("h2", "10.0.0.2", "ready", true));
        assertThat(NodeList.agent(agents, H1)).isEqualTo("ready since " + T0);
    }

    @Test
    void aHostWhoseAgentNeverReportedShowsADash() {
        assertThat(NodeList.agent(List.of(status("h2", "10.0.0.2", "ready", true)), H1)).isEqualTo("-");
    }

    @Test
    void renderShowsTheAgentColumn() {
        String out = NodeList.render(List.of(new NodeList.Row("h1", "10.0.0.1", "10.5.1.0/24", "ready since " + T0,
                "voter", "yes", T0.toString(), "yes 0.21ms")));
        assertThat(out).containsPattern("HOST\\s+ADDRESS\\s+SUBNET\\s+AGENT\\s+ETCD\\s+ETCD-UP\\s+OVERLAY\\s+JOINED")
                .containsPattern("h1\\s+10\\.0\\.0\\.1\\s+10\\.5\\.1\\.0/24\\s+ready since 2026-01-01T00:00:00Z\\s+voter\\s+yes\\s+yes 0\\.21ms\\s+2026");
    }

    @Test
    void overlay_isThisHostsProbeOfThePeerByAddress() {
        HostReport own = new HostReport("h1", "10.0.0.1", "10.5.1.0/24", "vxlan", null, List.of(
                new ClusterStatus.Peer("10.0.0.2", "10.0.0.2", "10.5.2.0/24", true, 0.214, T0.toString()),
                new ClusterStatus.Peer("10.0.0.3", "10.0.0.3", "10.5.3.0/24", false, 0.5, T0.toString())), null, null);
        assertThat(NodeList.overlay(own, "10.0.0.2")).isEqualTo("yes 0.21ms");
        assertThat(NodeList.overlay(own, "10.0.0.3")).isEqualTo("no");
        assertThat(NodeList.overlay(own, "10.0.0.4")).isEqualTo("-");
        assertThat(NodeList.overlay(null, "10.0.0.2")).isEqualTo("-");
    }
}

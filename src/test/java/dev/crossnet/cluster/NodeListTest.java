package dev.crossnet.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.agent.AgentPresence;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class NodeListTest {
    static final Instant NOW = Instant.parse("2026-01-01T01:00:00Z");
    static final NodeRegistry.Node H1 = new NodeRegistry.Node("h1", "10.0.0.1", ClusterConfig.MEMBER, "2026-01-01T00:00:00Z");

    static AgentPresence.Status status(String host, String ip, Instant seen) {
        return new AgentPresence.Status(host, ip, true, null, Instant.parse("2026-01-01T00:00:00Z"), seen);
    }

    @Test
    void theAgentColumnIsTheHostsRecordByName() {
        List<AgentPresence.Status> agents = List.of(status("h0", "10.0.0.1", NOW), status("h1", "10.0.0.9", NOW.minusSeconds(600)));
        assertThat(NodeList.agent(agents, H1, NOW)).isEqualTo("down since " + NOW.minusSeconds(600));
    }

    @Test
    void anAgentUnderAnotherNameIsFoundByItsAddressTheLatestSeenFirst() {
        List<AgentPresence.Status> agents = List.of(status("old", "10.0.0.1", NOW.minusSeconds(600)), status("box1", "10.0.0.1", NOW),
                status("h2", "10.0.0.2", NOW));
        assertThat(NodeList.agent(agents, H1, NOW)).isEqualTo("ready since 2026-01-01T00:00:00Z");
    }

    @Test
    void aHostWhoseAgentNeverReportedShowsADash() {
        assertThat(NodeList.agent(List.of(status("h2", "10.0.0.2", NOW)), H1, NOW)).isEqualTo("-");
    }

    @Test
    void renderShowsTheAgentColumn() {
        String out = NodeList.render(List.of(new NodeList.Row("h1", "10.0.0.1", "10.5.1.0/24", "ready since 2026-01-01T00:00:00Z",
                "voter", "yes", "2026-01-01T00:00:00Z")));
        assertThat(out).containsPattern("HOST\\s+ADDRESS\\s+SUBNET\\s+AGENT\\s+ETCD\\s+ETCD-UP\\s+JOINED")
                .containsPattern("h1\\s+10\\.0\\.0\\.1\\s+10\\.5\\.1\\.0/24\\s+ready since 2026-01-01T00:00:00Z\\s+voter\\s+yes");
    }
}

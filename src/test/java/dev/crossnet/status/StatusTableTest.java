package dev.crossnet.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatusTableTest {
    static final String T = "2026-01-01T00:00:00Z";

    static ClusterStatus.Host host(String name, String ip, String subnet, boolean ready, List<ClusterStatus.Peer> peers,
                                   List<ClusterStatus.Problem> errors) {
        return new ClusterStatus.Host(name, ip, subnet, "udp", Map.of("offloads", "on", "batch", "64"),
                new ClusterStatus.AgentState(ready, ready ? "ready" : "down", null, T, T), peers, errors);
    }

    static final ClusterStatus DOC = new ClusterStatus(T, "h1", new ClusterStatus.StoreHealth("etcd", List.of("https://10.0.0.1:2379"), true, null),
            new ClusterStatus.Overlay("10.5.0.0/16", "udp"),
            List.of(host("h1", "10.0.0.1", "10.5.1.0/24", true, List.of(
                            new ClusterStatus.Peer("h2", "10.0.0.2", "10.5.2.0/24", true, 0.214, T),
                            new ClusterStatus.Peer("h3", "10.0.0.3", "10.5.3.0/24", false, 0.3, T)),
                            List.of(new ClusterStatus.Problem("udp backend", "udp peers", "peer 10.5.9.0/24 skipped: no PublicIP", T))),
                    host("h2", "10.0.0.2", "10.5.2.0/24", true, List.of(), List.of()),
                    host("h3", "10.0.0.3", "10.5.3.0/24", false, List.of(), List.of())),
            List.of(new ClusterStatus.DockerNetwork("appnet", "abc", "crossnet", "10.7.0.0/24", false,
                    List.of(new ClusterStatus.Container("web1", "h1", "10.7.0.2")))));

    @Test
    void render_showsEachHostWithItsReachabilityFromHere_thePeersPerHost_networksAndErrors() {
        String out = StatusTable.render(DOC);

        assertThat(out).contains("store:   etcd https://10.0.0.1:2379 (healthy)").contains("network: 10.5.0.0/16, udp backend")
                .contains("from:    h1 at " + T);
        assertThat(out).containsPattern("HOST\\s+ADDRESS\\s+SUBNET\\s+BACKEND\\s+AGENT\\s+FROM h1\\s+RTT\\s+MODE")
                .containsPattern("h1\\s+10\\.0\\.0\\.1\\s+10\\.5\\.1\\.0/24\\s+udp\\s+ready since " + T + "\\s+\\(self\\)\\s+-\\s+batch=64 offloads=on")
                .containsPattern("h2\\s+10\\.0\\.0\\.2\\s+10\\.5\\.2\\.0/24\\s+udp\\s+ready since \\S+\\s+yes\\s+0\\.21ms")
                .containsPattern("h3\\s+10\\.0\\.0\\.3\\s+10\\.5\\.3\\.0/24\\s+udp\\s+down since \\S+\\s+no\\s+0\\.30ms \\(last\\)");
        assertThat(out).containsPattern("h1\\s+h2\\s+yes\\s+0\\.21ms").containsPattern("h3\\s+-\\s+-\\s+-\\s+\\(no report: agent not running\\)");
        assertThat(out).containsPattern("appnet\\s+10\\.7\\.0\\.0/24\\s+h1\\s+web1\\s+10\\.7\\.0\\.2");
        assertThat(out).containsPattern("h1\\s+udp backend\\s+udp peers\\s+" + T + "\\s+peer 10\\.5\\.9\\.0/24 skipped: no PublicIP");
    }

    @Test
    void render_anUnreachableStore_saysSo() {
        ClusterStatus s = new ClusterStatus(T, "", new ClusterStatus.StoreHealth("etcd", List.of("https://x:2379"), false, "connection refused"),
                null, List.of(), List.of());

        assertThat(StatusTable.render(s)).contains("(UNREACHABLE: connection refused)").contains("- (no config)")
                .contains("DOCKER NETWORKS\n(none)").contains("ERRORS\n(none)");
    }
}

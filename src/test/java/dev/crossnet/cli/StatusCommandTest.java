package dev.crossnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.lease.LeaseRegistry;
import dev.crossnet.model.LeaseAttrs;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.model.Subnet;
import dev.crossnet.status.ClusterStatus;
import dev.crossnet.status.HostReport;
import dev.crossnet.store.StoreJson;
import dev.crossnet.store.sqlite.SqliteStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code crossnet status} in-process against an embedded store. */
class StatusCommandTest {
    @TempDir
    Path dir;

    static CliRun run(String... args) {
        return CliRun.of(args);
    }

    String store() {
        return "file:" + dir.resolve("store.db");
    }

    void twoHosts() {
        try (SqliteStore s = SqliteStore.open(dir.resolve("store.db"))) {
            LeaseRegistry r = new LeaseRegistry(s, "/coreos.com/network");
            r.setConfig(NetworkConfig.parse("{\"Network\":\"10.5.0.0/16\",\"Backend\":{\"Type\":\"udp\"}}"));
            r.create(Subnet.parse("10.5.1.0/24"), new LeaseAttrs("192.168.1.1", "udp", null), Duration.ofHours(1));
            r.create(Subnet.parse("10.5.2.0/24"), new LeaseAttrs("192.168.1.2", "udp", null), Duration.ofHours(1));
            s.put(HostReport.PREFIX + "h1", StoreJson.write(new HostReport("h1", "192.168.1.1", "10.5.1.0/24", "udp", Map.of("offloads", "on"),
                    List.of(new ClusterStatus.Peer("192.168.1.2", "192.168.1.2", "10.5.2.0/24", true, 0.42, "2026-01-01T00:00:00Z")),
                    List.of(), "2026-01-01T00:00:00Z")), Duration.ofMinutes(5));
        }
    }

    @Test
    void status_printsTheHostsAndTheirReachabilityFromHere() {
        twoHosts();

        CliRun r = run("status", "--store", store(), "--host-name", "h1");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("network: 10.5.0.0/16, udp backend")
                .containsPattern("h1\\s+192\\.168\\.1\\.1\\s+10\\.5\\.1\\.0/24\\s+udp\\s+none\\s+\\(self\\)\\s+-\\s+offloads=on")
                .containsPattern("192\\.168\\.1\\.2\\s+192\\.168\\.1\\.2\\s+10\\.5\\.2\\.0/24\\s+udp\\s+none\\s+yes\\s+0\\.42ms");
    }

    @Test
    void statusJson_isTheDocument() {
        twoHosts();

        CliRun r = run("status", "--json", "--store", store(), "--host-name", "h1");

        assertThat(r.code()).as(r.err()).isZero();
        ClusterStatus s = ClusterStatus.fromJson(r.out());
        assertThat(s.from()).isEqualTo("h1");
        assertThat(s.store().kind()).isEqualTo("embedded");
        assertThat(s.host("h1").peers()).extracting(ClusterStatus.Peer::reachable).containsExactly(true);
    }

    @Test
    void badFlags_oneClearErrorNamingIt() {
        CliRun unknown = run("status", "--store", store(), "--jsn");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("--jsn");

        CliRun host = run("status", "--store", store(), "--host-name", "a/b");
        assertThat(host.code()).isEqualTo(1);
        assertThat(host.err().strip()).startsWith("crossnet: error: --host-name:").doesNotContain("\n");

        CliRun badStore = run("status", "--store", "nope:x");
        assertThat(badStore.code()).isEqualTo(1);
        assertThat(badStore.err()).contains("--store");
        assertThat(dir.resolve("store.db")).as("nothing written").doesNotExist();
    }
}

package dev.crossnet.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crossnet.docker.lab.DockerDaemon;
import dev.crossnet.docker.lab.Exec;
import dev.crossnet.docker.plugin.RawPluginClient;
import dev.crossnet.store.sqlite.SqliteStore;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Seed 004's macvlan flow done right: two hosts on one underlay, a real dockerd each, one crossnet
 * IPAM plugin per host on a shared store. Containers created without {@code --ip} get distinct
 * addresses and reach each other across hosts.
 */
@Tag("integration")
class DockerIpamIT {
    private static final Duration CMD = MacvlanHosts.CMD;
    private static final String PREFIX = MacvlanHosts.PREFIX;

    @Test
    void macvlanOnTwoHosts_sharedPool_distinctAddressesAndCrossHostPing() throws Exception {
        Path dir;
        try (MacvlanHosts lab = new MacvlanHosts(2, false)) {
            dir = lab.dir;
            try {
                DockerDaemon h1 = lab.docker(1);
                DockerDaemon h2 = lab.docker(2);
                lab.createNetwork();

                run(h1, "c1");
                run(h2, "c2");
                String ip1 = ip(h1, "c1");
                String ip2 = ip(h2, "c2");
                assertThat(ip1).startsWith("192.168.100.").isNotEqualTo("192.168.100.1");
                assertThat(ip2).startsWith("192.168.100.").isNotEqualTo("192.168.100.1").isNotEqualTo(ip1);
                assertPings(h1, "c1", ip2);
                assertPings(h2, "c2", ip1);

                // A static address held by the other host is refused, naming it.
                Exec.Result clash = h2.docker(CMD, "run", "-d", "--name", "c3", "--network", "mv", "--ip", ip1, "busybox", "sleep", "600");
                assertThat(clash.ok()).isFalse();
                assertThat(clash.stderr()).contains(ip1).contains("already allocated");
                h2.docker(CMD, "rm", "-f", "c3");
                // A free static address is honoured.
                h2.docker(CMD, "run", "-d", "--name", "c4", "--network", "mv", "--ip", "192.168.100.200", "busybox", "sleep", "600").orThrow();
                assertThat(ip(h2, "c4")).isEqualTo("192.168.100.200");

                // Removing a container frees its address; the other host can then have it.
                String ip1Key = PREFIX + "/ipam/addresses/shared-192.168.100.0-24/" + ip1;
                try (SqliteStore store = SqliteStore.open(lab.storeFile)) {
                    // Each daemon found its own host's plugin in its private /run/docker/plugins view.
                    assertThat(store.get(ip1Key).orElseThrow().value()).contains("\"Host\":\"h1\"");
                    assertThat(store.get(PREFIX + "/ipam/addresses/shared-192.168.100.0-24/" + ip2).orElseThrow().value()).contains("\"Host\":\"h2\"");
                    h1.docker(CMD, "rm", "-f", "c1").orThrow();
                    await(ip1Key + " freed").atMost(MacvlanHosts.PATIENCE).until(() -> store.get(ip1Key).isEmpty());
                }
                run(h2, "c5");
                assertThat(ip(h2, "c5")).isEqualTo(ip1); // lowest free address again

                malformedRequests_getErrAndWriteNothing(lab, h1.pluginDir().resolve("crossnet.sock"));
            } catch (Throwable t) {
                lab.dump();
                throw t;
            }
        }
        assertThat(new File(dir.toString())).doesNotExist();
    }

    private static void malformedRequests_getErrAndWriteNothing(MacvlanHosts lab, Path socket) throws Exception {
        String before = snapshot(lab);
        try (RawPluginClient c = new RawPluginClient(socket)) {
            RawPluginClient.Response bad = c.post("/IpamDriver.RequestPool", "{\"Pool\": \"192.168.7.0/24\", ");
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.body()).startsWith("{\"Err\":\"").contains("malformed JSON");
            RawPluginClient.Response missing = c.post("/IpamDriver.RequestAddress", "{\"Address\":\"192.168.100.9\"}");
            assertThat(missing.status()).isEqualTo(400);
            assertThat(missing.body()).contains("\"Err\"").contains("PoolID is required");
            RawPluginClient.Response unknown = c.post("/IpamDriver.RequestAddress", "{\"PoolID\":\"shared-192.168.100.0-24@000000000000\"}");
            assertThat(unknown.status()).isEqualTo(500);
            assertThat(unknown.body()).contains("\"Err\"").contains("unknown pool ID");
            RawPluginClient.Response noSubnet = c.post("/IpamDriver.RequestPool", "{\"AddressSpace\":\"CrossnetLocal\",\"V6\":false}");
            assertThat(noSubnet.body()).contains("\"Err\"").contains("--subnet is required");
            RawPluginClient.Response wrongType = c.post("/IpamDriver.RequestPool", "{\"Pool\":\"192.168.8.0/24\",\"V6\":\"maybe\"}");
            assertThat(wrongType.body()).contains("\"Err\"").contains("V6");
        }
        assertThat(snapshot(lab)).isEqualTo(before);
    }

    private static void run(DockerDaemon d, String name) {
        d.docker(CMD, "run", "-d", "--name", name, "--network", MacvlanHosts.NET, "busybox", "sleep", "600").orThrow();
    }

    private static String ip(DockerDaemon d, String name) {
        return d.docker(CMD, "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", name).orThrow().stdout().strip();
    }

    private static void assertPings(DockerDaemon d, String container, String target) {
        await(container + " -> " + target).atMost(MacvlanHosts.PATIENCE).pollInterval(Duration.ofMillis(200))
                .until(() -> d.docker(Duration.ofSeconds(10), "exec", container, "ping", "-c", "1", "-W", "1", target).ok());
    }

    private static String snapshot(MacvlanHosts lab) {
        try (SqliteStore store = SqliteStore.open(lab.storeFile)) {
            return store.list(PREFIX + "/").items().stream().map(kv -> kv.key() + "=" + kv.value()).collect(Collectors.joining("\n"));
        }
    }
}

package dev.crossnet.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.docker.HostReaper;
import dev.crossnet.docker.plugin.RawPluginClient;
import dev.crossnet.store.sqlite.SqliteStore;
import dev.crossnet.testing.FlakyStore;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plugin socket before the agent holds a lease: dockerd's calls are answered, none hangs or 404s. */
class DockerPluginsTest {
    @TempDir
    Path tmp;

    @Test
    void serve_beforeActivate_authzAndIpamWork_networkDriverSaysNotReady() throws Exception {
        Path sock = tmp.resolve("plugins/crossnet.sock");
        try (SqliteStore real = SqliteStore.open(tmp.resolve("store.db"))) {
            FlakyStore store = new FlakyStore(real);
            try (DockerPlugins p = DockerPlugins.serve(store, "/p", "h1", sock, new PrometheusRegistry(),
                    HostReaper.Timing.DEFAULT);
                 RawPluginClient c = new RawPluginClient(sock)) {
                assertThat(c.post("/Plugin.Activate", "null").body())
                        .contains("NetworkDriver").contains("IpamDriver").contains("authz");
                assertThat(c.post("/NetworkDriver.GetCapabilities", "null").body())
                        .isEqualTo("{\"Scope\":\"local\",\"ConnectivityScope\":\"global\"}");
                RawPluginClient.Response create = c.post("/NetworkDriver.CreateNetwork", "{\"NetworkID\":\"" + "a".repeat(64) + "\"}");
                assertThat(create.status()).isEqualTo(500);
                assertThat(create.body()).contains("\"Err\"").contains("crossnet agent on host h1 is starting")
                        .contains("no subnet lease yet");
                assertThat(c.post("/IpamDriver.GetDefaultAddressSpaces", "null").body()).contains("CrossnetLocal");
                String ps = "{\"User\":\"\",\"RequestMethod\":\"GET\",\"RequestUri\":\"/v1.41/containers/json\"}";
                assertThat(c.post("/AuthZPlugin.AuthZReq", ps).body()).isEqualTo("{\"Allow\":true}");
                store.down(true); // and with the store unreachable too
                assertThat(c.post("/AuthZPlugin.AuthZReq", ps).body()).isEqualTo("{\"Allow\":true}");
                String rm = "{\"User\":\"\",\"RequestMethod\":\"DELETE\",\"RequestUri\":\"/v1.41/networks/my-overlay\"}";
                assertThat(c.post("/AuthZPlugin.AuthZReq", rm).body()).isEqualTo("{\"Allow\":true}");
            }
            assertThat(sock).doesNotExist();
        }
    }
}

package dev.crossnet.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.docker.api.AuthzApi;
import dev.crossnet.docker.api.NetworkDriverApi.CreateEndpointRequest;
import dev.crossnet.docker.api.NetworkDriverApi.EndpointInterface;
import dev.crossnet.kernel.RecordingKernel;
import dev.crossnet.kernel.RecordingSegments;
import dev.crossnet.store.sqlite.SqliteStore;
import dev.crossnet.testing.FlakyStore;
import inet.ipaddr.IPAddressString;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The authz plugin refuses only {@code network rm} with remote endpoints, and fails open. */
class AuthzHandlerTest {
    static final String NET = "a".repeat(64);
    static final String NET_ON_H2 = "c".repeat(64);

    @TempDir
    Path tmp;
    SqliteStore real;
    FlakyStore store;
    AuthzHandler authz;

    @BeforeEach
    void setUp() {
        real = new SqliteStore(tmp.resolve("store.db"), Clock.systemUTC(), Duration.ofMillis(20));
        store = new FlakyStore(real);
        DockerStore docker = new DockerStore(store, "/t");
        NetworkDriver h1 = driver(docker, "h1", "172.30.0.11");
        NetworkDriver h2 = driver(docker, "h2", "172.30.0.12");
        h1.createNetwork(NetworkDriverTest.create(NET, "192.168.100.0/24", "192.168.100.1/24", Map.of()));
        docker.updateNetwork(NET, n -> n.published("my-overlay", "", true, Map.of(), Map.of()));
        h2.createNetwork(NetworkDriverTest.create(NET_ON_H2, "192.168.100.0/24", "192.168.100.1/24",
                Map.of(NetworkDriver.NETWORK_OPTION, NET)));
        h2.createEndpoint(new CreateEndpointRequest(NET_ON_H2, "e2".repeat(8), new EndpointInterface("192.168.100.3/24", null, null), Map.of()));
        authz = new AuthzHandler(docker, "h1");
    }

    @AfterEach
    void tearDown() {
        real.close();
    }

    static NetworkDriver driver(DockerStore docker, String name, String ip) {
        RecordingKernel k = new RecordingKernel();
        return new NetworkDriver(docker, new Datapath(k, new RecordingSegments(k),
                TestHosts.host(name, new IPAddressString(ip).getAddress(), "eth0", 1500)), Clock.systemUTC());
    }

    AuthzApi.Response ask(String method, String uri) {
        return authz.request(new AuthzApi.Request("", method, uri, Map.of(), null));
    }

    @Test
    void networkRm_withRemoteEndpoints_refusedByNameAndById_everythingElseAllowed() {
        assertThat(ask("DELETE", "/v1.41/networks/my-overlay").allow()).isFalse();
        assertThat(ask("DELETE", "/v1.41/networks/my-overlay").msg()).contains("active endpoints on host h2");
        assertThat(ask("DELETE", "/v1.41/networks/" + NET.substring(0, 12)).allow()).isFalse();
        assertThat(ask("DELETE", "/v1.41/networks/other").allow()).isTrue();
        assertThat(ask("DELETE", "/v1.41/containers/abc?force=1").allow()).isTrue();
        assertThat(ask("GET", "/v1.41/containers/json").allow()).isTrue();
        assertThat(ask("POST", "/v1.41/containers/abc/stop").allow()).isTrue();
    }

    @Test
    void storeUnreachable_everyCallAllowed_networkRmToo() {
        store.down(true);
        assertThat(ask("GET", "/v1.41/containers/json").allow()).isTrue();
        assertThat(ask("POST", "/v1.41/containers/abc/stop").allow()).isTrue();
        AuthzApi.Response rm = ask("DELETE", "/v1.41/networks/my-overlay");
        assertThat(rm.allow()).isTrue();
        assertThat(rm.err()).isNull();
        store.down(false);
        assertThat(ask("DELETE", "/v1.41/networks/my-overlay").allow()).isFalse();
    }

    @Test
    void garbageNetworkRecord_networkRmAllowed_notAnError() {
        real.put("/t/docker/networks/" + "f".repeat(64), "{not json", null);
        assertThat(ask("DELETE", "/v1.41/networks/anything").allow()).isTrue();
        assertThat(ask("DELETE", "/v1.41/networks/anything").err()).isNull();
    }
}

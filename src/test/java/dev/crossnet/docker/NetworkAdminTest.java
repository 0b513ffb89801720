package dev.crossnet.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crossnet.store.sqlite.SqliteStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code crossnet network …} on a temporary store. No root. */
class NetworkAdminTest {
    @TempDir
    Path tmp;
    SqliteStore store;
    DockerStore docker;
    NetworkAdmin admin;

    @BeforeEach
    void setUp() {
        store = new SqliteStore(tmp.resolve("store.db"), Clock.systemUTC(), Duration.ofMillis(20));
        docker = new DockerStore(store, "/t");
        admin = new NetworkAdmin(docker, Clock.systemUTC());
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    @Test
    void create_defaultsGatewayAndPublishes_badInputRefusedWithNothingWritten() {
        NetworkRecord n = admin.create("web", "10.20.0.0/24", null, null, true, Map.of());
        assertThat(n.gateway()).isEqualTo("10.20.0.1");
        assertThat(n.isPublished()).isTrue();
        assertThat(n.vni()).isEqualTo(4096);
        String before = store.list("/t/").items().toString();
        assertThatThrownBy(() -> admin.create("web", "10.21.0.0/24", null, null, false, Map.of())).hasMessageContaining("already exists");
        assertThatThrownBy(() -> admin.create("x", "10.20.0.0/24", null, null, false, Map.of())).hasMessageContaining("--subnet");
        assertThatThrownBy(() -> admin.create("x", "10.20.0.0/16", null, null, false, Map.of()))
                .hasMessageContaining("--subnet: 10.20.0.0/16 overlaps 10.20.0.0/24 of crossnet network web");
        store.put("/t/config", "{\"Network\":\"10.5.0.0/16\"}", null);
        assertThatThrownBy(() -> admin.create("x", "10.5.9.0/24", null, null, false, Map.of()))
                .hasMessageContaining("--subnet: 10.5.9.0/24 overlaps 10.5.0.0/16, the flannel Network");
        store.delete("/t/config");
        assertThatThrownBy(() -> admin.create("x", "10.22.0.0/24", "10.9.9.9", null, false, Map.of())).hasMessageContaining("--gateway");
        assertThatThrownBy(() -> admin.create("x", "10.22.0.0/24", null, "10.23.0.0/25", false, Map.of())).hasMessageContaining("--ip-range");
        assertThat(store.list("/t/").items().toString()).isEqualTo(before);
    }

    @Test
    void create_encrypted_storedWithTheOption() {
        NetworkRecord n = admin.create("secret", "10.30.0.0/24", null, null, false, Map.of("encrypted", ""));
        assertThat(Datapath.encrypted(n)).isTrue();
        assertThat(Datapath.encrypted(admin.create("plain", "10.31.0.0/24", null, null, false, Map.of()))).isFalse();
    }

    @Test
    void inspectAndRm_showEveryHost_refuseWhileUsed() {
        NetworkRecord n = admin.create("web", "10.20.0.0/24", null, null, true, Map.of());
        docker.createEndpoint(new EndpointRecord(n.id(), "e1", "h1", "172.30.0.11", "10.20.0.2/24", "02:42:0a:14:00:02", "cnve1", "c1"));
        docker.createEndpoint(new EndpointRecord(n.id(), "e2", "h2", "172.30.0.12", "10.20.0.3/24", "02:42:0a:14:00:03", "cnve2", ""));
        String json = admin.inspect("web");
        assertThat(json).contains("\"Name\" : \"c1\"").contains("\"Host\" : \"h2\"").contains("\"IP\" : \"172.30.0.12\"")
                .contains("\"com.docker.network.driver.overlay.vxlanid_list\" : \"4096\"");
        assertThat(admin.list()).contains("web").contains("4096");
        assertThatThrownBy(() -> admin.remove("web")).hasMessageContaining("active endpoints on hosts h1, h2");
        docker.deleteEndpoint(n.id(), "e1");
        docker.deleteEndpoint(n.id(), "e2");
        admin.remove(n.id().substring(0, 12));
        assertThat(docker.networks()).isEmpty();
        assertThatThrownBy(() -> admin.inspect("web")).hasMessageContaining("no crossnet network");
    }
}

package dev.crossnet.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crossnet.CrossnetException;
import dev.crossnet.store.sqlite.SqliteStore;
import dev.crossnet.testing.LogCapture;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Records other hosts wrote that make no sense: each is skipped, with its reason, and costs only itself. */
class DockerStoreBadRecordsTest {
    private static final String P = "/t/docker/";

    @TempDir
    Path tmp;
    SqliteStore store;
    DockerStore docker;

    @BeforeEach
    void setUp() {
        store = SqliteStore.open(tmp.resolve("store.db"));
        docker = new DockerStore(store, "/t");
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    private NetworkRecord good(String id) {
        return docker.createNetwork(new NetworkRecord(id, "n", "192.168.100.0/24", "192.168.100.1", "", 0, Map.of(), false,
                Map.of(), "crossnet", Map.of(), "h1", ""));
    }

    @Test
    void networks_badRecords_skippedNamingKeyAndFieldOnceEach() {
        good("a".repeat(64));
        store.put(P + "networks/garbage", "{not json", null);
        store.put(P + "networks/badsubnet", "{\"Subnet\":\"x\",\"Gateway\":\"1.2.3.4\",\"VNI\":4100}", null);
        store.put(P + "networks/badgw", "{\"Subnet\":\"10.9.0.0/24\",\"Gateway\":\"10.8.0.1\",\"VNI\":4101}", null);
        store.put(P + "networks/badvni", "{\"Subnet\":\"10.9.0.0/24\",\"Gateway\":\"10.9.0.1\",\"VNI\":1}", null);

        try (LogCapture logs = new LogCapture(DockerStore.class)) {
            for (int i = 0; i < 3; i++) {
                assertThat(docker.networks()).extracting(NetworkRecord::id).containsExactly("a".repeat(64));
            }
            assertThat(logs.lines()).hasSize(4);
            assertThat(logs.containing("networks/garbage")).singleElement().asString().contains("malformed JSON");
            assertThat(logs.containing("networks/badsubnet")).singleElement().asString().contains("Subnet: \"x\"");
            assertThat(logs.containing("networks/badgw")).singleElement().asString().contains("Gateway 10.8.0.1");
            assertThat(logs.containing("networks/badvni")).singleElement().asString().contains("VNI 1 is out of range");
        }
        assertThatThrownBy(() -> docker.network("garbage")).isInstanceOf(CrossnetException.class)
                .hasMessageContaining(P + "networks/garbage");
    }

    @Test
    void createNetwork_vniKeyThatIsNoNumber_skippedAndAllocationGoesOn() {
        store.put(P + "vni/abc", "x", null);
        store.put(P + "vni/4096", "someone", null);

        assertThat(good("b".repeat(64)).vni()).isEqualTo(4097);
    }

    @Test
    void sealCertificates_publishedOnceReadBack_badRecordsSkipped() {
        byte[] der = {0x30, 0x03, 0x02, 0x01, 0x05};
        docker.putSealCertificate("h1", der);
        long rev = store.get(P + "seals/h1").orElseThrow().modRevision();
        docker.putSealCertificate("h1", der);
        assertThat(store.get(P + "seals/h1").orElseThrow().modRevision()).as("unchanged: not rewritten").isEqualTo(rev);
        store.put(P + "seals/h2", "{\"Certificate\":\"%%%\"}", null);
        store.put(P + "seals/h3", "{}", null);
        store.put(P + "seals/h4", "[", null);
        try (LogCapture logs = new LogCapture(DockerStore.class)) {
            assertThat(docker.sealCertificates()).containsOnlyKeys("h1").hasEntrySatisfying("h1", c -> assertThat(c).isEqualTo(der));
            assertThat(logs.lines()).hasSize(3);
        }
    }

    @Test
    void endpointsAndAttachments_badRecords_skipped() {
        NetworkRecord n = good("a".repeat(64));
        docker.putEndpoint(new EndpointRecord(n.id(), "e1", "h2", "172.30.0.12", "192.168.100.2/24", "02:42:c0:a8:64:02",
                "cnve1", ""));
        store.put(P + "endpoints/" + n.id() + "/e2", "[", null);
        store.put(P + "endpoints/" + n.id() + "/e3", "{\"HostIP\":\"172.30.0.13\"}", null);
        docker.attach(n.id(), "h1", "d1");
        store.put(P + "attachments/" + n.id() + "/h2", "nope", null);

        assertThat(docker.endpoints(null)).extracting(EndpointRecord::endpointId).containsExactly("e1");
        assertThat(docker.endpoints(n.id())).extracting(EndpointRecord::endpointId).containsExactly("e1");
        assertThat(docker.attachments()).extracting(DockerStore.HostAttachment::host).containsExactly("h1");
    }
}

package dev.crossnet.cni;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CniPluginTest {
    private final ObjectMapper json = new ObjectMapper();
    private final RecordingPlugins plugins = new RecordingPlugins();
    @TempDir
    Path dir;
    private Path subnetFile;
    private Path saved;

    @BeforeEach
    void lease() throws Exception {
        subnetFile = dir.resolve("subnet.env");
        writeLease("10.5.34.1/24", 1450);
        saved = dir.resolve("data/crossnet/abc-eth0");
    }

    private void writeLease(String subnet, int mtu) throws Exception {
        Files.writeString(subnetFile, "FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET=" + subnet + "\nFLANNEL_MTU=" + mtu
                + "\nFLANNEL_IPMASQ=false\n");
    }

    private byte[] conf(String extra) {
        return ("{\"cniVersion\":\"1.0.0\",\"name\":\"crossnet\",\"type\":\"crossnet\",\"subnetFile\":\"" + subnetFile
                + "\",\"dataDir\":\"" + dir.resolve("data") + "\"" + extra + "}").getBytes(StandardCharsets.UTF_8);
    }

    private static CniEnv env(CniEnv.Command c) {
        return new CniEnv(c, "abc", c == CniEnv.Command.DEL ? "" : "/var/run/netns/x", "eth0", java.util.List.of("/usr/lib/cni"), "");
    }

    private JsonNode result(String address) throws Exception {
        return json.readTree("{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"eth0\",\"sandbox\":\"/var/run/netns/x\"}],"
                + "\"ips\":[{\"address\":\"" + address + "\",\"gateway\":\"10.5.34.1\",\"interface\":0}]}");
    }

    private JsonNode run(CniEnv.Command c, byte[] conf) throws CniError {
        return new CniPlugin(plugins).run(env(c), conf);
    }

    @Test
    void add_delegatesToBridge_returnsItsResultAndSavesTheConfig() throws Exception {
        plugins.answer(result("10.5.34.2/24"));
        JsonNode r = run(CniEnv.Command.ADD, conf(""));
        assertThat(r).isEqualTo(result("10.5.34.2/24"));
        assertThat(plugins.calls).hasSize(1);
        assertThat(plugins.calls.get(0).type()).isEqualTo("bridge");
        assertThat(plugins.calls.get(0).conf().get("mtu").asInt()).isEqualTo(1450);
        assertThat(json.readTree(Files.readString(saved))).isEqualTo(plugins.calls.get(0).conf());
    }

    @Test
    void add_bridgeFails_forgetsTheConfigWithoutDel() {
        plugins.fail(new CniError(CniError.INVALID_CONFIG, "bridge: container veth name provided (eth0) already exists"));
        assertThatThrownBy(() -> run(CniEnv.Command.ADD, conf(""))).hasMessageContaining("already exists");
        assertThat(plugins.commands()).containsExactly(CniEnv.Command.ADD);
        assertThat(saved).doesNotExist();
    }

    @Test
    void add_resultOutsideLease_isUndoneWithDel() throws Exception {
        plugins.answer(result("10.9.0.2/24"));
        assertThatThrownBy(() -> run(CniEnv.Command.ADD, conf("")))
                .isInstanceOfSatisfying(CniError.class, e -> assertThat(e.getMessage()).contains("10.9.0.2/24").contains("10.5.34.0/24"));
        assertThat(plugins.commands()).containsExactly(CniEnv.Command.ADD, CniEnv.Command.DEL);
        assertThat(saved).doesNotExist();
    }

    @Test
    void add_noSubnetEnv_tryAgainLaterAndNothingWritten() throws Exception {
        Files.delete(subnetFile);
        assertThatThrownBy(() -> run(CniEnv.Command.ADD, conf(""))).isInstanceOfSatisfying(CniError.class, e -> {
            assertThat(e.code()).isEqualTo(CniError.TRY_AGAIN_LATER);
            assertThat(e.getMessage()).contains("subnetFile " + subnetFile + " is missing");
        });
        assertThat(plugins.calls).isEmpty();
        assertThat(dir.resolve("data")).doesNotExist();
    }

    @Test
    void add_malformedSubnetEnv_namesTheVariable() throws Exception {
        Files.writeString(subnetFile, "FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_MTU=1450\n");
        assertThatThrownBy(() -> run(CniEnv.Command.ADD, conf(""))).isInstanceOfSatisfying(CniError.class, e -> {
            assertThat(e.code()).isEqualTo(CniError.INVALID_CONFIG);
            assertThat(e.getMessage()).contains("FLANNEL_SUBNET is missing");
        });
        assertThat(plugins.calls).isEmpty();
    }

    @Test
    void del_usesTheSavedConfigEvenAfterTheLeaseChanged_thenForgetsIt() throws Exception {
        plugins.answer(result("10.5.34.2/24"));
        run(CniEnv.Command.ADD, conf(""));
        writeLease("10.5.99.1/24", 1400);
        run(CniEnv.Command.DEL, conf(""));
        assertThat(DelegateConf.subnetOf(plugins.calls.get(1).conf())).isEqualTo("10.5.34.0/24");
        assertThat(saved).doesNotExist();
    }

    @Test
    void del_twice_secondRebuildsFromSubnetEnvAndSucceeds() throws Exception {
        run(CniEnv.Command.DEL, conf(""));
        run(CniEnv.Command.DEL, conf(""));
        assertThat(plugins.commands()).containsExactly(CniEnv.Command.DEL, CniEnv.Command.DEL);
        assertThat(DelegateConf.subnetOf(plugins.calls.get(0).conf())).isEqualTo("10.5.34.0/24");
    }

    @Test
    void del_neitherSavedConfigNorSubnetEnv_succeedsDoingNothing() throws Exception {
        Files.delete(subnetFile);
        assertThat(run(CniEnv.Command.DEL, conf(""))).isNull();
        assertThat(plugins.calls).isEmpty();
    }

    @Test
    void check_leaseChanged_reportsDriftNamingBothSubnets() throws Exception {
        plugins.answer(result("10.5.34.2/24"));
        JsonNode r = run(CniEnv.Command.ADD, conf(""));
        writeLease("10.5.99.1/24", 1450);
        assertThatThrownBy(() -> run(CniEnv.Command.CHECK, conf(",\"prevResult\":" + r)))
                .isInstanceOfSatisfying(CniError.class, e -> {
                    assertThat(e.code()).isEqualTo(CniError.DRIFT);
                    assertThat(e.getMessage()).contains("10.5.99.0/24").contains("10.5.34.0/24");
                });
        assertThat(plugins.commands()).containsExactly(CniEnv.Command.ADD);
    }

    @Test
    void check_mtuChanged_reportsDrift() throws Exception {
        plugins.answer(result("10.5.34.2/24"));
        JsonNode r = run(CniEnv.Command.ADD, conf(""));
        writeLease("10.5.34.1/24", 1400);
        assertThatThrownBy(() -> run(CniEnv.Command.CHECK, conf(",\"prevResult\":" + r)))
                .isInstanceOfSatisfying(CniError.class, e -> assertThat(e.getMessage()).contains("1400").contains("1450"));
    }

    @Test
    void check_unchanged_delegatesWithPrevResult() throws Exception {
        plugins.answer(result("10.5.34.2/24"));
        JsonNode r = run(CniEnv.Command.ADD, conf(""));
        assertThat(run(CniEnv.Command.CHECK, conf(",\"prevResult\":" + r))).isNull();
        assertThat(plugins.commands()).containsExactly(CniEnv.Command.ADD, CniEnv.Command.CHECK);
        assertThat(plugins.calls.get(1).conf().get("prevResult")).isEqualTo(r);
    }

    @Test
    void check_withoutAdd_unknownContainer() {
        assertThatThrownBy(() -> run(CniEnv.Command.CHECK, conf(",\"prevResult\":{\"ips\":[]}")))
                .isInstanceOfSatisfying(CniError.class, e -> assertThat(e.code()).isEqualTo(CniError.UNKNOWN_CONTAINER));
    }

    @Test
    void check_withoutPrevResult_namesIt() {
        assertThatThrownBy(() -> run(CniEnv.Command.CHECK, conf("")))
                .isInstanceOfSatisfying(CniError.class, e -> assertThat(e.getMessage()).startsWith("prevResult is missing"));
    }

    @Test
    void version_listsSupportedVersions() throws Exception {
        JsonNode v = new CniPlugin(plugins).run(new CniEnv(CniEnv.Command.VERSION, "", "", "", java.util.List.of(), ""),
                new byte[0]);
        assertThat(v.toString()).isEqualTo("{\"cniVersion\":\"1.1.0\",\"supportedVersions\":[\"0.3.0\",\"0.3.1\",\"0.4.0\",\"1.0.0\",\"1.1.0\"]}");
    }

    @Test
    void checkResult_noIps_fails() throws Exception {
        assertThatThrownBy(() -> CniPlugin.checkResult(json.readTree("{\"ips\":[]}"), dev.crossnet.model.Subnet.parse("10.5.34.0/24"),
                "bridge", CniError.DELEGATE_FAILED)).hasMessageContaining("no address");
    }
}

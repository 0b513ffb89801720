package dev.crossnet.cni;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CNI 1.1.0 in {@link CniPlugin}: GC, STATUS, and 1.1.0 configs handed to 1.0.0 delegates. Fakes only. */
class GcAndStatusTest {
    private final ObjectMapper json = new ObjectMapper();
    private final RecordingPlugins plugins = new RecordingPlugins();
    private final List<String> asked = new ArrayList<>();
    private String agentSays;
    @TempDir
    Path dir;
    private Path subnetFile;
    private Path ipamDir;
    private Path records;

    @BeforeEach
    void lease() throws Exception {
        subnetFile = dir.resolve("subnet.env");
        Files.writeString(subnetFile, "FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET=10.5.34.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=false\n");
        ipamDir = dir.resolve("ipam/crossnet");
        records = dir.resolve("data/crossnet");
    }

    private byte[] conf(String version, String extra) {
        return ("{\"cniVersion\":\"" + version + "\",\"name\":\"crossnet\",\"type\":\"crossnet\",\"subnetFile\":\"" + subnetFile
                + "\",\"dataDir\":\"" + dir.resolve("data") + "\",\"ipam\":{\"dataDir\":\"" + dir.resolve("ipam") + "\"}" + extra + "}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private JsonNode run(CniEnv env, byte[] conf) throws CniError {
        return new CniPlugin(plugins, hostPort -> {
            asked.add(hostPort);
            return agentSays;
        }).run(env, conf);
    }

    private static CniEnv env(CniEnv.Command c, List<String> path) {
        boolean container = c == CniEnv.Command.ADD || c == CniEnv.Command.CHECK || c == CniEnv.Command.DEL;
        return new CniEnv(c, container ? "abc" : "", container ? "/var/run/netns/x" : "", container ? "eth0" : "", path, "");
    }

    private void cniPathWith(Path bin, String... plugins) throws Exception {
        Files.createDirectories(bin);
        for (String p : plugins) {
            Path f = bin.resolve(p);
            Files.writeString(f, "#!/bin/sh\n");
            f.toFile().setExecutable(true);
        }
    }

    @Test
    void add_110_delegatesAs100_andAnswersIn110() throws Exception {
        plugins.answer(json.readTree("{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.5.34.2/24\"}]}"));
        JsonNode r = run(env(CniEnv.Command.ADD, List.of("/usr/lib/cni")), conf("1.1.0", ""));
        assertThat(plugins.calls.get(0).conf().get("cniVersion").asText()).isEqualTo("1.0.0");
        assertThat(r.get("cniVersion").asText()).isEqualTo("1.1.0");

        run(env(CniEnv.Command.CHECK, List.of("/usr/lib/cni")), conf("1.1.0", ",\"prevResult\":" + r));
        assertThat(plugins.calls.get(1).conf().at("/prevResult/cniVersion").asText()).isEqualTo("1.0.0");
        assertThat(plugins.calls.get(1).conf().get("cniVersion").asText()).isEqualTo("1.0.0");
    }

    @Test
    void status_ready_asksTheAgentAtItsDefaultAddress() throws Exception {
        Path bin = dir.resolve("bin");
        cniPathWith(bin, "bridge", "host-local");
        assertThat(run(env(CniEnv.Command.STATUS, List.of(bin.toString())), conf("1.1.0", ""))).isNull();
        assertThat(asked).containsExactly("127.0.0.1:8471");
    }

    @Test
    void status_noSubnetEnv_notAvailableNamingTheFile_withoutAskingTheAgent() throws Exception {
        Files.delete(subnetFile);
        assertThatThrownBy(() -> run(env(CniEnv.Command.STATUS, List.of()), conf("1.1.0", "")))
                .isInstanceOfSatisfying(CniError.class, e -> {
                    assertThat(e.code()).isEqualTo(CniError.NOT_AVAILABLE);
                    assertThat(e.getMessage()).contains("subnetFile " + subnetFile + " is missing");
                });
        assertThat(asked).isEmpty();
    }

    @Test
    void status_agentWithoutLease_notAvailableWithTheAgentsReason() {
        agentSays = "the crossnet agent at http://127.0.0.1:9999/readyz answers 503: not ready: starting: no lease yet";
        assertThatThrownBy(() -> run(env(CniEnv.Command.STATUS, List.of()), conf("1.1.0", ",\"agentHealthz\":\"127.0.0.1:9999\"")))
                .isInstanceOfSatisfying(CniError.class, e -> {
                    assertThat(e.code()).isEqualTo(CniError.NOT_AVAILABLE);
                    assertThat(e.getMessage()).isEqualTo(agentSays);
                });
        assertThat(asked).containsExactly("127.0.0.1:9999");
    }

    @Test
    void status_agentHealthzEmpty_doesNotAsk() throws Exception {
        agentSays = "would fail";
        assertThat(run(env(CniEnv.Command.STATUS, List.of()), conf("1.1.0", ",\"agentHealthz\":\"\""))).isNull();
        assertThat(asked).isEmpty();
    }

    @Test
    void status_cniPathWithoutHostLocal_notAvailable() throws Exception {
        Path bin = dir.resolve("bin");
        cniPathWith(bin, "bridge");
        assertThatThrownBy(() -> run(env(CniEnv.Command.STATUS, List.of(bin.toString())), conf("1.1.0", "")))
                .isInstanceOfSatisfying(CniError.class, e -> {
                    assertThat(e.code()).isEqualTo(CniError.NOT_AVAILABLE);
                    assertThat(e.getMessage()).contains("no plugin \"host-local\"");
                });
    }

    @Test
    void statusAndGc_before110_incompatibleVersion() {
        for (CniEnv.Command c : List.of(CniEnv.Command.STATUS, CniEnv.Command.GC)) {
            assertThatThrownBy(() -> run(env(c, List.of()), conf("1.0.0", ",\"cni.dev/valid-attachments\":[]")))
                    .isInstanceOfSatisfying(CniError.class, e -> {
                        assertThat(e.code()).isEqualTo(CniError.INCOMPATIBLE_VERSION);
                        assertThat(e.getMessage()).isEqualTo(c + " needs cniVersion 1.1.0, the config says 1.0.0");
                    });
        }
    }

    private void allocation(String ip, String content) throws Exception {
        Files.createDirectories(ipamDir);
        Files.writeString(ipamDir.resolve(ip), content);
    }

    private void record(String name) throws Exception {
        Files.createDirectories(records);
        Files.writeString(records.resolve(name), "{}");
    }

    @Test
    void gc_releasesEveryAttachmentNotListed_onceEach_andKeepsTheListed() throws Exception {
        allocation("10.5.34.2", "keep\r\neth0");
        allocation("10.5.34.3", "gone\r\neth0");
        allocation("10.5.34.4", "keep\r\nnet1"); // same container, another interface: not listed
        allocation("10.5.34.5", "two\r\neth0");
        allocation("10.5.34.6", "two\r\neth0");
        allocation("lock", "");
        allocation("last_reserved_ip.0", "10.5.34.6");
        record("keep-eth0");
        record("gone-eth0");
        record(".keep-eth0123.tmp");

        run(env(CniEnv.Command.GC, List.of("/usr/lib/cni")), conf("1.1.0",
                ",\"cni.dev/valid-attachments\":[{\"containerID\":\"keep\",\"ifname\":\"eth0\"}]"));

        assertThat(plugins.calls).extracting(c -> c.type() + " " + c.command() + " " + c.containerId())
                .containsExactlyInAnyOrder("host-local DEL gone", "host-local DEL keep", "host-local DEL two");
        RecordingPlugins.Call two = plugins.calls.stream().filter(c -> c.containerId().equals("two")).findFirst().orElseThrow();
        assertThat(two.conf().get("name").asText()).isEqualTo("crossnet");
        assertThat(two.conf().at("/ipam/dataDir").asText()).isEqualTo(dir.resolve("ipam").toString());
        assertThat(two.conf().at("/ipam/ranges/0/0/subnet").asText()).matches("10\\.5\\.34\\.4/30");
        assertThat(two.conf().get("cniVersion").asText()).isEqualTo("1.0.0");
        assertThat(plugins.interfaces()).contains("keep/net1").doesNotContain("keep/eth0");
        try (var s = Files.list(records)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("keep-eth0", ".keep-eth0123.tmp");
        }
    }

    @Test
    void gc_oldRecordWithoutInterface_keptWhileItsContainerIsListed() throws Exception {
        allocation("10.5.34.2", "keep");
        allocation("10.5.34.3", "gone");
        run(env(CniEnv.Command.GC, List.of()), conf("1.1.0", ",\"cni.dev/valid-attachments\":[{\"containerID\":\"keep\",\"ifname\":\"net1\"}]"));
        assertThat(plugins.interfaces()).containsExactly("gone/eth0");
    }

    @Test
    void gc_nothingEverAllocated_succeedsDoingNothing() throws Exception {
        assertThat(run(env(CniEnv.Command.GC, List.of()), conf("1.1.0", ",\"cni.dev/valid-attachments\":[]"))).isNull();
        assertThat(plugins.calls).isEmpty();
    }

    @Test
    void gc_aReleaseFails_theOthersStillHappen_andTheFailureIsReported() throws Exception {
        allocation("10.5.34.3", "a\r\neth0");
        allocation("10.5.34.4", "b\r\neth0");
        record("a-eth0");
        plugins.fail(new CniError(CniError.IO_FAILURE, "host-local: disk on fire"));
        assertThatThrownBy(() -> run(env(CniEnv.Command.GC, List.of()), conf("1.1.0", ",\"cni.dev/valid-attachments\":[]")))
                .isInstanceOfSatisfying(CniError.class, e -> {
                    assertThat(e.code()).isEqualTo(CniError.IO_FAILURE);
                    assertThat(e.getMessage()).contains("1 failed").contains("disk on fire");
                });
        assertThat(plugins.calls).hasSize(2);
        assertThat(records.resolve("a-eth0")).doesNotExist();
    }

    @Test
    void gc_withoutOrWithABadList_invalidConfigNamingIt() {
        assertThatThrownBy(() -> run(env(CniEnv.Command.GC, List.of()), conf("1.1.0", "")))
                .isInstanceOfSatisfying(CniError.class, e -> {
                    assertThat(e.code()).isEqualTo(CniError.INVALID_CONFIG);
                    assertThat(e.getMessage()).startsWith("cni.dev/valid-attachments is missing");
                });
        assertThatThrownBy(() -> run(env(CniEnv.Command.GC, List.of()), conf("1.1.0",
                ",\"cni.dev/valid-attachments\":[{\"containerID\":\"a\",\"ifname\":\"eth0\"},{\"containerID\":\"b\"}]")))
                .isInstanceOfSatisfying(CniError.class, e -> {
                    assertThat(e.code()).isEqualTo(CniError.INVALID_CONFIG);
                    assertThat(e.getMessage()).isEqualTo("cni.dev/valid-attachments[1].ifname must be a non-empty string");
                });
        assertThat(plugins.calls).isEmpty();
    }
}

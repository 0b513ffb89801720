package dev.crossnet.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crossnet.CrossnetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** daemon.json merging in a temp dir: kept keys, mode, backup, idempotence, and refusals that change nothing. */
class DockerDaemonConfigTest {
    static final String ADDR = "192.0.2.10";

    @TempDir
    Path dir;

    Path file() {
        return dir.resolve("daemon.json");
    }

    DockerDaemonConfig config() {
        return new DockerDaemonConfig(file(), Clock.fixed(Instant.parse("2026-11-27T10:00:00Z"), ZoneOffset.UTC));
    }

    JsonNode json() throws Exception {
        return new ObjectMapper().readTree(Files.readString(file()));
    }

    List<String> listing() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void missingFile_isCreated_withOurAddressFirst_thenUpstream_andTheAuthzPlugin() throws Exception {
        DockerDaemonConfig.Outcome o = config().apply(ADDR, List.of("198.51.100.1"));
        assertThat(o.changed()).isTrue();
        assertThat(o.restartNeeded()).isTrue();
        assertThat(o.backup()).isNull();
        assertThat(json().toString()).isEqualTo("{\"dns\":[\"192.0.2.10\",\"198.51.100.1\"],\"authorization-plugins\":[\"crossnet-authz\"]}");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file()))).isEqualTo("rw-r--r--");
        assertThat(listing()).containsExactly("daemon.json");
    }

    @Test
    void existingFile_keepsEveryOtherKey_inOrder_andItsMode_andIsBackedUp() throws Exception {
        String before = "{\"log-driver\":\"json-file\",\"log-opts\":{\"max-size\":\"10m\",\"max-file\":\"3\"},"
                + "\"dns\":[\"198.51.100.7\"],\"default-ulimits\":{\"nofile\":{\"Soft\":65536,\"Hard\":65536}},"
                + "\"live-restore\":true,\"shutdown-timeout\":15,\"mtu\":1450,\"ratio\":0.25,\"none\":null}";
        Files.writeString(file(), before);
        Files.setPosixFilePermissions(file(), PosixFilePermissions.fromString("rw-r-----"));

        DockerDaemonConfig.Outcome o = config().apply(ADDR, List.of("203.0.113.9"));

        JsonNode after = json();
        List<String> keys = new ArrayList<>();
        after.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).containsExactly("log-driver", "log-opts", "dns", "default-ulimits", "live-restore",
                "shutdown-timeout", "mtu", "ratio", "none", "authorization-plugins");
        JsonNode old = new ObjectMapper().readTree(before);
        for (String k : List.of("log-driver", "log-opts", "default-ulimits", "live-restore", "shutdown-timeout", "mtu", "ratio", "none")) {
            assertThat(after.get(k)).as(k).isEqualTo(old.get(k));
        }
        assertThat(after.get("dns").toString()).as("ours first, theirs kept, upstream not added")
                .isEqualTo("[\"192.0.2.10\",\"198.51.100.7\"]");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file()))).isEqualTo("rw-r-----");
        assertThat(o.backup()).isEqualTo(dir.resolve("daemon.json.20261127-100000.crossnet-backup"));
        assertThat(Files.readString(o.backup())).isEqualTo(before);
        assertThat(listing()).containsExactly("daemon.json", "daemon.json.20261127-100000.crossnet-backup");
    }

    @Test
    void secondRun_changesNothing_andMakesNoBackup() throws Exception {
        Files.writeString(file(), "{\"debug\":true}");
        config().apply(ADDR, List.of("198.51.100.1"));
        String once = Files.readString(file());
        List<String> filesOnce = listing();

        DockerDaemonConfig.Outcome again = config().apply(ADDR, List.of("198.51.100.1", "198.51.100.2"));

        assertThat(again.changed()).isFalse();
        assertThat(again.restartNeeded()).isFalse();
        assertThat(again.reloadEnough()).isFalse();
        assertThat(Files.readString(file())).isEqualTo(once);
        assertThat(listing()).isEqualTo(filesOnce);
    }

    @Test
    void onlyTheAuthzPluginMissing_isAReload_notARestart_andOtherPluginsStay() throws Exception {
        Files.writeString(file(), "{\"dns\":[\"192.0.2.10\",\"198.51.100.1\"],\"authorization-plugins\":[\"opa\"]}");
        DockerDaemonConfig.Outcome o = config().apply(ADDR, List.of());
        assertThat(o.changed()).isTrue();
        assertThat(o.restartNeeded()).isFalse();
        assertThat(o.reloadEnough()).isTrue();
        assertThat(json().get("authorization-plugins").toString()).isEqualTo("[\"opa\",\"crossnet-authz\"]");
        assertThat(json().get("dns").toString()).isEqualTo("[\"192.0.2.10\",\"198.51.100.1\"]");
    }

    @Test
    void ourAddressNotFirst_isMovedFirst() throws Exception {
        Files.writeString(file(), "{\"dns\":[\"198.51.100.1\",\"192.0.2.10\"],\"authorization-plugins\":[\"crossnet-authz\"]}");
        DockerDaemonConfig.Outcome o = config().apply(ADDR, List.of());
        assertThat(o.restartNeeded()).isTrue();
        assertThat(json().get("dns").toString()).isEqualTo("[\"192.0.2.10\",\"198.51.100.1\"]");
    }

    @Test
    void writtenFile_readsLikeHandWrittenJson() throws Exception {
        config().apply(ADDR, List.of("198.51.100.1"));
        assertThat(Files.readString(file())).isEqualTo("""
                {
                  "dns": ["192.0.2.10", "198.51.100.1"],
                  "authorization-plugins": ["crossnet-authz"]
                }
                """);
    }

    @Test
    void emptyFile_isAnEmptyObject() throws Exception {
        Files.writeString(file(), "  \n");
        assertThat(config().apply(ADDR, List.of()).changed()).isTrue();
        assertThat(json().get("dns").toString()).isEqualTo("[\"192.0.2.10\"]");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"dns\": [\"1.1.1.1\"",                     // truncated
        "{\"debug\": true,}",                         // trailing comma
        "{\"debug\": true} {\"x\": 1}",               // two documents
        "{\"debug\": true, \"debug\": false}",        // a key twice
        "[\"dns\"]",                                  // not an object
        "\"text\"",
        "{\"dns\": \"1.1.1.1\"}",                     // dns not a list
        "{\"dns\": [1]}",
        "{\"authorization-plugins\": {\"a\": 1}}",
    })
    void malformed_isRefusedWithOneErrorNamingTheFile_andNothingChanges(String text) throws Exception {
        Files.writeString(file(), text);
        Files.setPosixFilePermissions(file(), PosixFilePermissions.fromString("rw-r-----"));
        assertThatThrownBy(() -> config().apply(ADDR, List.of("198.51.100.1")))
                .isInstanceOf(CrossnetException.class)
                .hasMessageContaining(file().toString())
                .hasMessageContaining("nothing changed");
        assertThat(Files.readString(file())).isEqualTo(text);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file()))).isEqualTo("rw-r-----");
        assertThat(listing()).containsExactly("daemon.json");
    }

    @Test
    void malformed_messageSaysWhatIsWrong() throws Exception {
        Files.writeString(file(), "{\"dns\": \"1.1.1.1\"}");
        assertThatThrownBy(() -> config().apply(ADDR, List.of())).hasMessageContaining("\"dns\" must be a list of strings");
        Files.writeString(file(), "{\"debug\": true,\n}");
        assertThatThrownBy(() -> config().apply(ADDR, List.of())).hasMessageContaining("not valid JSON").hasMessageContaining("line 2");
    }

    @Test
    void symlinkedFile_staysALink_andItsTargetIsUpdated() throws Exception {
        Path real = Files.createDirectory(dir.resolve("real")).resolve("daemon.json");
        Files.writeString(real, "{}");
        Files.createSymbolicLink(file(), real);
        DockerDaemonConfig.Outcome o = config().apply(ADDR, List.of());
        assertThat(Files.isSymbolicLink(file())).isTrue();
        assertThat(Files.readString(real)).contains("crossnet-authz");
        assertThat(o.backup().getParent()).isEqualTo(real.getParent());
    }

    @Test
    void upstreamResolvers_skipLoopback_andFallThroughToTheNextFile() throws Exception {
        Path stub = dir.resolve("stub.conf");
        Files.writeString(stub, "# systemd-resolved\nnameserver 127.0.0.53\noptions edns0\n");
        Path real = dir.resolve("real.conf");
        Files.writeString(real, "search example\nnameserver 198.51.100.1\nnameserver  2001:db8::1 \nnameserver 198.51.100.1\nnameserver ::1\n");
        assertThat(DockerDaemonConfig.upstreamResolvers(List.of(dir.resolve("missing"), stub, real)))
                .containsExactly("198.51.100.1", "2001:db8::1");
        assertThat(DockerDaemonConfig.upstreamResolvers(List.of(stub))).isEmpty();
    }
}

package dev.crossnet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crossnet.CrossnetException;
import dev.crossnet.cluster.Services;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The docker-setup step of init and join: when it runs, when it does not, and a bad daemon.json after the cluster part. */
class DockerSetupStepTest {
    static final String ADDR = "192.0.2.10";

    @TempDir
    Path dir;

    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    Path daemonJson() {
        return dir.resolve("daemon.json");
    }

    DockerSetupStep step(boolean dockerdPresent) throws Exception {
        Path resolv = dir.resolve("resolv.conf");
        Files.writeString(resolv, "nameserver 198.51.100.1\n");
        return new DockerSetupStep(() -> dockerdPresent, daemonJson(), List.of(resolv),
                Clock.fixed(Instant.parse("2026-11-27T10:00:00Z"), ZoneOffset.UTC));
    }

    String printed() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    List<String> listing() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void systemConfigDir_dockerdPresent_setsUpDaemonJson_andSaysDockerdMustRestart() throws Exception {
        Files.writeString(daemonJson(), "{\"debug\":true}");
        step(true).run(Services.SYSTEM_CONFIG_DIR, ADDR, false, out);
        assertThat(Files.readString(daemonJson())).contains("\"dns\": [\"192.0.2.10\", \"198.51.100.1\"]")
                .contains("\"crossnet-authz\"").contains("\"debug\": true");
        assertThat(printed()).contains("updated " + daemonJson()).contains("crossnet-backup")
                .contains("dockerd must be restarted");
    }

    @Test
    void systemConfigDir_spelledOtherwise_stillCounts() throws Exception {
        step(true).run(Path.of("/etc/crossnet/../crossnet/"), ADDR, false, out);
        assertThat(daemonJson()).exists();
    }

    @Test
    void otherConfigDir_doesNotRun_andSaysHowToRunIt() throws Exception {
        step(true).run(dir.resolve("config"), ADDR, false, out);
        assertThat(daemonJson()).doesNotExist();
        assertThat(printed()).contains("docker-setup not run").contains("crossnet docker-setup --advertise-addr " + ADDR);
    }

    @Test
    void noDockerSetupFlag_doesNotRun_andPrintsNothing() throws Exception {
        step(true).run(Services.SYSTEM_CONFIG_DIR, ADDR, true, out);
        assertThat(daemonJson()).doesNotExist();
        assertThat(printed()).isEmpty();
    }

    @Test
    void dockerdAbsent_doesNotRun() throws Exception {
        step(false).run(Services.SYSTEM_CONFIG_DIR, ADDR, false, out);
        assertThat(daemonJson()).doesNotExist();
        assertThat(printed()).contains("dockerd is not installed");
    }

    @Test
    void malformedDaemonJson_failsNamingTheFile_andHowToFinish_andLeavesItAsItWas() throws Exception {
        Files.writeString(daemonJson(), "{\"debug\":");
        DockerSetupStep s = step(true);
        assertThatThrownBy(() -> s.run(Services.SYSTEM_CONFIG_DIR, ADDR, false, out))
                .isInstanceOf(CrossnetException.class)
                .hasMessageStartingWith("docker-setup: " + daemonJson() + " is not valid JSON")
                .hasMessageContaining("cluster part is done")
                .hasMessageEndingWith("fix " + daemonJson() + ", then run: crossnet docker-setup --advertise-addr " + ADDR);
        assertThat(Files.readString(daemonJson())).isEqualTo("{\"debug\":");
        assertThat(listing()).containsExactly("daemon.json", "resolv.conf");
    }

    @Test
    void initAndJoin_takeTheNoDockerSetupFlag() {
        for (Object c : List.of(new ClusterCommands.Init(), new ClusterCommands.Join())) {
            CommandLine cl = new CommandLine(c);
            assertThat(cl.getCommandSpec().findOption("--no-docker-setup")).as(cl.getCommandName()).isNotNull();
        }
    }

    @Test
    void dockerdOnPath_findsAnExecutableOnly() throws Exception {
        Path bin = Files.createDirectory(dir.resolve("bin"));
        Path other = Files.createDirectory(dir.resolve("other"));
        String path = other + ":" + bin;
        // The usual directories are searched too, so only a machine without dockerd can show "absent".
        boolean machineHasIt = DockerSetupStep.dockerdOnPath("");
        assertThat(DockerSetupStep.dockerdOnPath(path)).isEqualTo(machineHasIt);
        Files.writeString(bin.resolve("dockerd"), "#!/bin/sh\n");
        assertThat(DockerSetupStep.dockerdOnPath(path)).as("not executable").isEqualTo(machineHasIt);
        Files.setPosixFilePermissions(bin.resolve("dockerd"), PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(DockerSetupStep.dockerdOnPath(path)).isTrue();
    }
}

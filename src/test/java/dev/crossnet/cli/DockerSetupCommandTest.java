package dev.crossnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code crossnet docker-setup} end to end in-process, on a daemon.json in a temp dir. */
class DockerSetupCommandTest {
    @TempDir
    Path dir;

    static CliRun run(String... args) {
        return CliRun.of(args);
    }

    CliRun setup(String addr) throws Exception {
        Path resolv = dir.resolve("resolv.conf");
        if (!Files.exists(resolv)) {
            Files.writeString(resolv, "nameserver 198.51.100.1\n");
        }
        return run("docker-setup", "--advertise-addr", addr, "--daemon-json", dir.resolve("daemon.json").toString(),
                "--resolv-conf", resolv.toString());
    }

    @Test
    void firstRun_writesTheFile_andSaysDockerdMustRestart_secondRun_saysNothingToDo() throws Exception {
        Files.writeString(dir.resolve("daemon.json"), "{\"debug\":true}");
        CliRun first = setup("192.0.2.10");
        assertThat(first.code()).isZero();
        assertThat(first.out()).contains("updated " + dir.resolve("daemon.json"))
                .contains("crossnet-backup")
                .contains("dockerd must be restarted");
        assertThat(Files.readString(dir.resolve("daemon.json"))).contains("\"192.0.2.10\", \"198.51.100.1\"")
                .contains("\"debug\": true");

        CliRun second = setup("192.0.2.10");
        assertThat(second.code()).isZero();
        assertThat(second.out()).contains("already set up").contains("needs no restart");
    }

    @Test
    void malformedJson_exits1_withOneError_andLeavesTheFile() throws Exception {
        Files.writeString(dir.resolve("daemon.json"), "{\"debug\":");
        CliRun r = setup("192.0.2.10");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).startsWith("crossnet: error: " + dir.resolve("daemon.json") + " is not valid JSON");
        assertThat(Files.readString(dir.resolve("daemon.json"))).isEqualTo("{\"debug\":");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("daemon.json", "resolv.conf");
        }
    }

    @Test
    void badAddresses_areRefused_namingTheFlag_andNothingIsWritten() throws Exception {
        for (String bad : new String[] {"not-an-ip", "10.0.0.0/8", "127.0.0.1", "0.0.0.0"}) {
            CliRun r = setup(bad);
            assertThat(r.code()).as(bad).isEqualTo(1);
            assertThat(r.err()).as(bad).startsWith("crossnet: error: --advertise-addr: ");
        }
        assertThat(dir.resolve("daemon.json")).doesNotExist();
    }
}

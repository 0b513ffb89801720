package dev.crossnet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way an agent is started runs it with the same JVM flags: {@code bin/crossnet agent} (what the
 * .deb's systemd unit runs) and {@link SelfCommand#agentArgv} (a host without systemd, the lab).
 */
class SelfCommandTest {
    @Test
    void agentArgv_runsTheAgentWithTheAgentFlags() {
        List<String> argv = SelfCommand.agentArgv();
        List<String> flags = argv.subList(1, argv.indexOf("-cp"));
        assertThat(String.join(" ", flags)).isEqualTo(SelfCommand.AGENT_JVM_OPTS);
        assertThat(flags).contains("-Xms8m", "-Xmn4m", "-XX:MinHeapFreeRatio=20", "-XX:MaxHeapFreeRatio=40");
        assertThat(argv.subList(argv.size() - 2, argv.size())).containsExactly("dev.crossnet.cli.Main", "agent");
    }

    @Test
    void binCrossnetAgent_passesJavaTheSameFlagsAsSelfCommand(@TempDir Path dir) throws Exception {
        List<String> args = javaArgsOfBinCrossnet(dir, "agent", "--x");
        assertThat(String.join(" ", args.subList(0, args.indexOf("-jar")))).isEqualTo(SelfCommand.AGENT_JVM_OPTS);
        assertThat(args.subList(args.size() - 2, args.size())).containsExactly("agent", "--x");
    }

    @Test
    void binCrossnetOtherCommands_passJavaTheUsualFlags(@TempDir Path dir) throws Exception {
        List<String> args = javaArgsOfBinCrossnet(dir, "status");
        assertThat(String.join(" ", args.subList(0, args.indexOf("-jar")))).isEqualTo(SelfCommand.JVM_OPTS);
    }

    /** Runs bin/crossnet in a copy of the tree with an empty jar and a `java` on PATH that prints its arguments. */
    private static List<String> javaArgsOfBinCrossnet(Path dir, String... command) throws IOException, InterruptedException {
        Files.createDirectories(dir.resolve("bin"));
        Files.createDirectories(dir.resolve("target"));
        Files.createDirectories(dir.resolve("fake"));
        Files.copy(Path.of("bin/crossnet"), dir.resolve("bin/crossnet"));
        Files.createFile(dir.resolve("target/crossnet.jar"));
        Path java = dir.resolve("fake/java");
        Files.writeString(java, "#!/bin/sh\n"
                // bin/crossnet asks `java -XX:TrimNativeHeapInterval=5000 -version` whether the flag is known
                + "case \"$*\" in *-version) exec " + Path.of(System.getProperty("java.home"), "bin", "java") + " \"$@\";; esac\n"
                + "printf '%s\\n' \"$@\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> argv = new ArrayList<>(List.of("bash", dir.resolve("bin/crossnet").toString()));
        argv.addAll(List.of(command));
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
        pb.environment().remove("CROSSNET_JAVA_OPTS");
        pb.environment().put("PATH", dir.resolve("fake") + ":" + System.getenv("PATH"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        List<String> args = Arrays.asList(out.strip().split("\n"));
        assertThat(args).as(out).contains("-jar");
        return args;
    }
}

package dev.crossnet.kernel.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Commands#run} with real (harmless) processes: both streams and the exit code, with and without stdin. */
class CommandsTest {

    @Test
    void run_noStdin_stdoutStderrAndExitCode() {
        Commands.Result r = Commands.run(null, List.of("sh", "-c", "echo out; echo err >&2; exit 3"));

        assertThat(r).isEqualTo(new Commands.Result(3, "out\n", "err\n"));
    }

    @Test
    void run_noStdin_toolReadingStdin_seesEndOfFile() {
        assertThat(Commands.run(null, List.of("cat"))).isEqualTo(new Commands.Result(0, "", ""));
    }

    @Test
    void run_stdin_fedToTheTool() {
        assertThat(Commands.run("a\nb\n", List.of("cat"))).isEqualTo(new Commands.Result(0, "a\nb\n", ""));
    }

    @Test
    void run_largeOutputOnBothStreams_noDeadlock() {
        // 1 MiB on each stream: far more than a pipe holds, so both must be read while the tool runs.
        Commands.Result r = Commands.run(null, List.of("sh", "-c",
                "head -c 1048576 /dev/zero | tr '\\0' x; head -c 1048576 /dev/zero | tr '\\0' y >&2"));

        assertThat(r.exitCode()).isZero();
        assertThat(r.stdout()).hasSize(1 << 20);
        assertThat(r.stderr()).hasSize(1 << 20);
    }
}

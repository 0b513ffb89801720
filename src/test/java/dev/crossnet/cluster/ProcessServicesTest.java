package dev.crossnet.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.cluster.Services.Service;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessServicesTest {
    @TempDir
    Path dir;

    /**
     * A service whose process takes a while to exec its program (as a JDK-spawned child does under
     * load) counts as running as soon as {@code start} returns, not only once the exec is done.
     */
    @Test
    void start_slowToExec_isRunningWhenStartReturns() {
        // The shell's own command line does not name the config directory; the program it execs does.
        ProcessServices services = new ProcessServices(dir, s -> List.of("env", "M=" + dir, "sh", "-c",
                "sleep 0.5; exec sh -c 'sleep 60' \"$M\""));
        try {
            services.start(Service.JOIN_ENDPOINT);

            assertThat(services.running(Service.JOIN_ENDPOINT)).isTrue();
        } finally {
            services.stop(Service.JOIN_ENDPOINT);
        }
        assertThat(services.running(Service.JOIN_ENDPOINT)).isFalse();
    }
}

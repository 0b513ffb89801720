package dev.crossnet.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabDashboardTest {
    @Test
    void agentArgs_labChoosesNothing_loopbackOfTheHostNamespace() {
        assertThat(LabDashboard.agentArgs(List.of("--ip-masq"))).containsExactly("--dashboard-listen", "127.0.0.1:10272");
    }

    @Test
    void agentArgs_labFlagsChooseAnAddress_notGivenTwice() {
        assertThat(LabDashboard.agentArgs(List.of("--dashboard-listen", "off"))).isEmpty();
        assertThat(LabDashboard.agentArgs(List.of("--dashboard-listen=127.0.0.1:9000"))).isEmpty();
    }

    @Test
    void url_onlyOnceWritten(@TempDir Path dir) throws Exception {
        assertThat(LabDashboard.url(dir)).isEmpty();
        Files.writeString(dir.resolve("dashboard.url"), "http://127.0.0.1:10280/\n");
        assertThat(LabDashboard.url(dir)).hasValue("http://127.0.0.1:10280/");
    }
}

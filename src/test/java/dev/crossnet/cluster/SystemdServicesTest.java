package dev.crossnet.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crossnet.CrossnetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The systemctl command lines, and how their failures read (a fake systemctl: no systemd needed). */
class SystemdServicesTest {
    final List<List<String>> calls = new ArrayList<>();

    SystemdServices answering(int code, String output) {
        return new SystemdServices(args -> {
            calls.add(args);
            return new SystemdServices.Result(code, output);
        });
    }

    @Test
    void enableAndStart_isOneEnableNow() {
        answering(0, "").enableAndStart(Services.Service.ETCD.unit());
        assertThat(calls).containsExactly(List.of("enable", "--now", "crossnet-etcd.service"));
    }

    @Test
    void aFailedStart_namesTheUnit_systemdsWords_andWhereToLook() {
        SystemdServices s = answering(1, "Job for crossnet-etcd.service failed because the control process exited.\n");
        assertThatThrownBy(() -> s.enableAndStart(Services.Service.ETCD.unit()))
                .isInstanceOf(CrossnetException.class)
                .hasMessageContaining("crossnet-etcd.service")
                .hasMessageContaining("control process exited")
                .hasMessageContaining("journalctl -u crossnet-etcd.service");
    }

    @Test
    void stopAndDisable_ofAUnitThatIsNotInstalled_isNoError() {
        answering(1, "Failed to disable unit: Unit file crossnet-agent.service does not exist.").stopAndDisable(Services.Service.AGENT.unit());
        assertThat(calls).containsExactly(List.of("disable", "--now", "crossnet-agent.service"));
    }

    @Test
    void stopAndDisable_otherFailures_areErrors() {
        SystemdServices s = answering(1, "Access denied");
        assertThatThrownBy(() -> s.stopAndDisable(Services.Service.AGENT.unit())).hasMessageContaining("Access denied");
    }

    @Test
    void isActive_isTheExitCode() {
        assertThat(answering(0, "").isActive(Services.Service.AUTHZ.unit())).isTrue();
        assertThat(answering(3, "").isActive(Services.Service.AUTHZ.unit())).isFalse();
        assertThat(calls.get(0)).containsExactly("is-active", "--quiet", "crossnet-authz.service");
    }

    @Test
    void running_meansRunSystemdSystemExists(@TempDir Path root) throws Exception {
        assertThat(SystemdServices.running(root)).isFalse();
        Files.createDirectories(root.resolve("run/systemd/system"));
        assertThat(SystemdServices.running(root)).isTrue();
    }
}

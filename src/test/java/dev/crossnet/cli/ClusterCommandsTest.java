package dev.crossnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ClusterCommandsTest {
    static final String[] HOST_FLAGS = {"--config-dir", "/tmp/c", "--advertise-addr", "10.0.0.7", "--host-name", "n7", "--no-agent",
        "--no-docker-setup"};

    @Test
    void initAndJoin_parseTheSameHostOptions() {
        ClusterCommands.Init init = new ClusterCommands.Init();
        new CommandLine(init).parseArgs(HOST_FLAGS);
        ClusterCommands.Join join = new ClusterCommands.Join();
        List<String> joinArgs = new java.util.ArrayList<>(List.of(HOST_FLAGS));
        joinArgs.add("10.0.0.1:2377");
        new CommandLine(join).parseArgs(joinArgs.toArray(String[]::new));
        for (ClusterCommands.HostOptions h : List.of(init.host, join.host)) {
            assertThat(h.dir()).isEqualTo(Path.of("/tmp/c"));
            assertThat(h.advertiseAddr).isEqualTo("10.0.0.7");
            assertThat(h.hostName).isEqualTo("n7");
            assertThat(h.noAgent).isTrue();
            assertThat(h.noDockerSetup).isTrue();
        }
    }

    @Test
    void initAndJoin_withoutHostFlags_startTheAgentAndRunDockerSetup() {
        ClusterCommands.Init init = new ClusterCommands.Init();
        new CommandLine(init).parseArgs();
        ClusterCommands.Join join = new ClusterCommands.Join();
        new CommandLine(join).parseArgs("10.0.0.1:2377");
        for (ClusterCommands.HostOptions h : List.of(init.host, join.host)) {
            assertThat(h.advertiseAddr).isNull();
            assertThat(h.hostName).isNull();
            assertThat(h.noAgent).isFalse();
            assertThat(h.noDockerSetup).isFalse();
        }
    }
}

package dev.crossnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@link Main} builds the one command its first argument names, and every command for anything else. */
class MainCommandsTest {

    @Test
    void aNamedCommand_onlyThatOne() {
        assertThat(Main.commandsFor(new String[] {"agent", "--iface", "eth0"})).containsExactly(AgentCommand.class);
        assertThat(Main.commandsFor(new String[] {"join"})).containsExactly(ClusterCommands.Join.class);
        assertThat(Main.commandsFor(new String[] {"lease", "ls"})).containsExactly(LeaseCommand.class);
    }

    @Test
    void noCommandHelpOrATypo_everyCommand() {
        for (String[] args : List.of(new String[] {}, new String[] {"help", "agent"}, new String[] {"--help"},
                new String[] {"agnet"})) {
            assertThat(Main.commandsFor(args)).isEqualTo(Main.COMMANDS);
        }
    }

    @Test
    void usage_listsEveryCommand_andACommandsOwnUsageIsUnchanged() {
        CliRun all = CliRun.of("--help");
        assertThat(all.code()).isZero();
        for (Class<?> c : Main.COMMANDS) {
            CommandLine.Command command = c.getAnnotation(CommandLine.Command.class);
            if (!command.hidden()) {
                assertThat(all.out()).contains("  " + command.name() + " ");
            }
        }
        CliRun agent = CliRun.of("agent", "--help");
        assertThat(agent.code()).isZero();
        assertThat(agent.out()).startsWith("Usage: crossnet agent ").contains("--healthz-port=PORT");
        CliRun help = CliRun.of("help", "lease");
        assertThat(help.out()).startsWith("Usage: crossnet lease ");
        CliRun typo = CliRun.of("agnet");
        assertThat(typo.code()).isEqualTo(2);
        assertThat(typo.err()).contains("agnet").contains("agent");
    }

    @Test
    void jetty_toldTheCacheLineLayout_soItNeverAsksJmx() {
        CliRun.of("version");
        assertThat(System.getProperty(Main.JETTY_REFERENCES_PER_CACHE_LINE)).isEqualTo("16"); // the tests' heap: compressed pointers
    }
}

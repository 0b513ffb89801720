package dev.crossnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Main builds only the command a run names, and that command reads exactly as it does in the whole tree. */
class MainCommandTreeTest {
    static final Map<String, CommandLine> ALL = Main.commandLine().getSubcommands();

    @Test
    void noCommand_helpOrAnUnknownName_buildEveryCommand() {
        assertThat(ALL).hasSize(Main.COMMANDS.size()).containsKeys("agent", "lab", "status", "version", "help");
        for (String[] args : new String[][] {{"--help"}, {"-V"}, {"help"}, {"help", "lab"}, {"statu"}}) {
            assertThat(Main.commandLine(args).getSubcommands().keySet()).as(String.join(" ", args)).isEqualTo(ALL.keySet());
        }
    }

    @Test
    void aNamedCommand_buildsThatCommandOnly_withTheSameOptionsSubcommandsAndHelp() {
        for (Map.Entry<String, CommandLine> e : ALL.entrySet()) {
            if (e.getKey().equals("help")) {
                continue;
            }
            Map<String, CommandLine> built = Main.commandLine(e.getKey(), "--help").getSubcommands();
            assertThat(built).as(e.getKey()).containsOnlyKeys(e.getKey());
            CommandLine alone = built.get(e.getKey());
            assertThat(alone.getUsageMessage()).as(e.getKey()).isEqualTo(e.getValue().getUsageMessage());
            assertThat(alone.getSubcommands().keySet()).as(e.getKey()).isEqualTo(e.getValue().getSubcommands().keySet());
        }
    }

    @Test
    void aNamedCommand_runsAsBefore() {
        CliRun v = CliRun.of("version");
        assertThat(v.code()).isZero();
        assertThat(v.out()).startsWith("crossnet ");
        CliRun bad = CliRun.of("statu");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("Unmatched argument at index 0: 'statu'").contains("status");
    }
}

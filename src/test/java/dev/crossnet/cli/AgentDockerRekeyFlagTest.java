package dev.crossnet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crossnet.CrossnetException;
import dev.crossnet.seal.Limits;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code --docker-rekey-after}: the encrypted Docker networks' rekey interval (what {@code
 * Backend.RekeyAfter} is to an encrypted udp network), the default without it, and one clear error
 * naming the flag for every bad value.
 */
class AgentDockerRekeyFlagTest {

    @Test
    void dockerSealLimits_defaultAndGivenValues() {
        assertThat(AgentCommand.dockerSealLimits(true, null)).isEqualTo(Limits.DEFAULT);
        assertThat(AgentCommand.dockerSealLimits(false, null)).isEqualTo(Limits.DEFAULT);
        assertThat(AgentCommand.dockerSealLimits(true, Duration.ofSeconds(3))).isEqualTo(Limits.rekeyingAfter(Duration.ofSeconds(3)));
        assertThat(AgentCommand.dockerSealLimits(true, Duration.ofSeconds(2)).rekeyAfter()).isEqualTo(Duration.ofSeconds(2));
        assertThat(AgentCommand.dockerSealLimits(true, Duration.ofHours(24)).rekeyAfter()).isEqualTo(Duration.ofHours(24));
    }

    @Test
    void dockerSealLimits_outOfRange_namesTheFlagAndTheRange() {
        for (Duration bad : new Duration[] {Duration.ofMillis(1999), Duration.ZERO, Duration.ofSeconds(-5), Duration.ofHours(25)}) {
            assertThatThrownBy(() -> AgentCommand.dockerSealLimits(true, bad)).as("%s", bad).isInstanceOf(CrossnetException.class)
                    .hasMessageStartingWith("--docker-rekey-after: ").hasMessageEndingWith("is out of range 2s to 86400s");
        }
        assertThatThrownBy(() -> AgentCommand.dockerSealLimits(true, Duration.ofMillis(1500)))
                .hasMessage("--docker-rekey-after: 1500ms is out of range 2s to 86400s");
    }

    @Test
    void dockerSealLimits_withoutThePlugins_namesTheFlagAndWhatIsMissing() {
        assertThatThrownBy(() -> AgentCommand.dockerSealLimits(false, Duration.ofSeconds(30))).isInstanceOf(CrossnetException.class)
                .hasMessageStartingWith("--docker-rekey-after: ").hasMessageContaining("add --docker-plugin")
                .hasMessageContaining("Backend.RekeyAfter");
    }

    @Test
    void parse_notADuration_namesTheFlag() {
        CommandLine cli = new CommandLine(new AgentCommand());
        assertThatThrownBy(() -> cli.parseArgs("--docker-plugin", "--docker-rekey-after", "soon"))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("--docker-rekey-after")
                .hasMessageContaining("\"soon\" is not a duration");
    }
}

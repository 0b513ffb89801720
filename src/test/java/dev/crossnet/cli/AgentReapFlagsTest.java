package dev.crossnet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crossnet.CrossnetException;
import dev.crossnet.docker.HostReaper;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code --docker-presence-ttl} and {@code --docker-reap-after}: defaults, and one clear error naming the flag. */
class AgentReapFlagsTest {

    @Test
    void liveness_defaults_andGivenValues() {
        assertThat(AgentCommand.liveness(true, null, null)).isEqualTo(HostReaper.Timing.DEFAULT);
        assertThat(AgentCommand.liveness(false, null, null)).isEqualTo(HostReaper.Timing.DEFAULT);
        assertThat(AgentCommand.liveness(true, Duration.ofSeconds(2), Duration.ofSeconds(6)))
                .isEqualTo(new HostReaper.Timing(Duration.ofSeconds(2), Duration.ofSeconds(6)));
    }

    @Test
    void liveness_badValues_nameTheFlag() {
        assertThatThrownBy(() -> AgentCommand.liveness(false, null, Duration.ofMinutes(1))).isInstanceOf(CrossnetException.class)
                .hasMessageStartingWith("--docker-reap-after:").hasMessageContaining("add --docker-plugin");
        assertThatThrownBy(() -> AgentCommand.liveness(false, Duration.ofSeconds(5), null))
                .hasMessageStartingWith("--docker-presence-ttl:").hasMessageContaining("add --docker-plugin");
        assertThatThrownBy(() -> AgentCommand.liveness(true, Duration.ofMillis(500), null))
                .hasMessageStartingWith("--docker-presence-ttl: 500ms is too short");
        assertThatThrownBy(() -> AgentCommand.liveness(true, Duration.ofSeconds(-5), null))
                .hasMessageStartingWith("--docker-presence-ttl:");
        assertThatThrownBy(() -> AgentCommand.liveness(true, null, Duration.ofSeconds(44)))
                .hasMessageStartingWith("--docker-reap-after: 44s is shorter than 3 presence TTLs (--docker-presence-ttl 15s)")
                .hasMessageContaining("at least 45s");
        assertThatThrownBy(() -> AgentCommand.liveness(true, Duration.ofSeconds(2), Duration.ZERO))
                .hasMessageStartingWith("--docker-reap-after: 0s");
    }
}

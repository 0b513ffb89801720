package dev.crossnet;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** What {@link ProblemLog} says fails now, for the agent's status report. */
class ProblemLogCurrentTest {

    @Test
    void problems_areTheFailingObjectsAndTheLastPassesSentences_andEveryOpenLogIsRead() {
        try (ProblemLog objects = new ProblemLog(LoggerFactory.getLogger("t"), "docker segments");
             ProblemLog pass = new ProblemLog(LoggerFactory.getLogger("t"), "vxlan-test-" + System.nanoTime())) {
            objects.failed("network web", "bridge refused");
            objects.failed("network db", "gone");
            objects.succeeded("network db");
            pass.report(List.of("lease 10.5.9.0/24 skipped: no PublicIP"), List.of("route 10.5.2.0/24: refused"));

            assertThat(objects.problems()).containsExactly(new ProblemLog.Problem("docker segments", "network web", "bridge refused"));
            assertThat(pass.problems()).extracting(ProblemLog.Problem::message)
                    .containsExactly("lease 10.5.9.0/24 skipped: no PublicIP", "route 10.5.2.0/24: refused");
            assertThat(ProblemLog.everyProblem()).containsAll(objects.problems()).containsAll(pass.problems());

            pass.close();
            assertThat(ProblemLog.everyProblem()).as("closed: no longer current").doesNotContainAnyElementsOf(pass.problems());
        }
    }

    @Test
    void aLogWithoutPrefix_isTheAgentsOwn() {
        ProblemLog own = new ProblemLog(LoggerFactory.getLogger("t"));
        own.failed("forwarding and iptables rules", "iptables: exit 4");

        assertThat(own.problems()).containsExactly(new ProblemLog.Problem("agent", "forwarding and iptables rules", "iptables: exit 4"));
        own.close();
    }
}

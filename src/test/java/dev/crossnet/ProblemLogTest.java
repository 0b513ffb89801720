package dev.crossnet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.testing.LogCapture;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class ProblemLogTest {

    @Test
    void report_sameProblemsEveryPass_loggedOnceThenAgainOnlyWhenTheyChange() {
        try (LogCapture logs = new LogCapture(ProblemLogTest.class)) {
            ProblemLog p = new ProblemLog(LoggerFactory.getLogger(ProblemLogTest.class), "vxlan");

            for (int i = 0; i < 5; i++) {
                p.report(List.of("peer A skipped"), List.of("route B refused"));
            }
            assertThat(logs.lines()).containsExactly("WARN vxlan: peer A skipped", "ERROR vxlan: route B refused");

            p.report(List.of("peer A skipped", "peer C skipped"), List.of());
            p.report(List.of("peer A skipped", "peer C skipped"), List.of());
            assertThat(logs.lines()).hasSize(3).last().isEqualTo("WARN vxlan: peer C skipped");

            p.report(List.of(), List.of());
            p.report(List.of(), List.of());
            assertThat(logs.lines()).hasSize(4).last().asString().contains("every record is programmed again");
            assertThat(p.current()).isEmpty();

            p.report(List.of("peer A skipped"), List.of());
            assertThat(logs.lines()).hasSize(5).last().isEqualTo("WARN vxlan: peer A skipped");
        }
    }
}

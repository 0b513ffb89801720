package dev.crossnet.kernel.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class BatchTest {

    private static final List<String> LINES = List.of(
            "route del 10.5.2.0/24 via 10.5.2.0 dev crossnet.1 proto 152",
            "neigh del 10.5.2.0 dev crossnet.1",
            "link set nonexist up");

    @Test
    void errors_failedLine_namesTheLineAndTheKernelMessage() {
        String stderr = "Cannot find device \"nonexist\"\nCommand failed -:3\n";

        assertThat(Batch.errors(stderr, LINES, false)).containsExactly(
                "\"link set nonexist up\": Cannot find device \"nonexist\"");
    }

    @Test
    void errors_deletesOfAbsentEntries_areNotErrors() {
        String stderr = "RTNETLINK answers: No such process\nCommand failed -:1\n"
                + "RTNETLINK answers: No such file or directory\nCommand failed -:2\n";

        assertThat(Batch.errors(stderr, LINES, true)).isEmpty();
        assertThat(Batch.errors(stderr, LINES, false)).hasSize(2);
    }

    @Test
    void errors_deleteFailingForAnotherReason_isReported() {
        String stderr = "RTNETLINK answers: Operation not permitted\nCommand failed -:1\n";

        assertThat(Batch.errors(stderr, LINES, true)).singleElement().asString()
                .contains("Operation not permitted", "\"route del 10.5.2.0/24 via 10.5.2.0 dev crossnet.1 proto 152\"");
    }

    @Test
    void errors_usageErrorWithoutLineNumber_isReported() {
        assertThat(Batch.errors("Option \"-batchh\" is unknown, try \"ip -help\".\n", LINES, false))
                .containsExactly("Option \"-batchh\" is unknown, try \"ip -help\".");
    }
}

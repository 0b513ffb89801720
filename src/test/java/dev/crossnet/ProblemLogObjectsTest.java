package dev.crossnet;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link ProblemLog} reporting per object, as the agent's loop does; the per-pass form is in {@link ProblemLogTest}. */
class ProblemLogObjectsTest {
    final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    ProblemLog failures;

    @BeforeEach
    void setUp() {
        Logger logger = new LoggerContext().getLogger("test");
        appender.start();
        logger.addAppender(appender);
        failures = new ProblemLog(logger);
    }

    List<String> lines(Level level) {
        return appender.list.stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage).toList();
    }

    static Runnable failing(String message) {
        return () -> {
            throw new CrossnetException(message);
        };
    }

    @Test
    void sameFailureEveryPass_loggedOnce_stillAttemptedEveryTime() {
        int[] runs = {0};
        for (int i = 0; i < 50; i++) {
            boolean ok = failures.attempt("neighbours", () -> {
                runs[0]++;
                throw new CrossnetException("cannot replace neighbours: Cannot find device \"crossnet.1\"");
            });
            assertThat(ok).isFalse();
        }
        assertThat(runs[0]).isEqualTo(50);
        assertThat(lines(Level.ERROR)).hasSize(1).first().asString()
                .startsWith("neighbours: cannot replace neighbours: Cannot find device \"crossnet.1\"");
        assertThat(failures.isFailing("neighbours")).isTrue();
    }

    @Test
    void changedMessage_loggedAgain_recoveryLoggedOnce() {
        failures.attempt("device", failing("one"));
        failures.attempt("device", failing("two"));
        failures.attempt("device", failing("two"));
        failures.attempt("device", () -> { });
        failures.attempt("device", () -> { });

        assertThat(lines(Level.ERROR)).hasSize(2);
        assertThat(lines(Level.INFO)).containsExactly("device: recovered");
        assertThat(failures.isFailing("device")).isFalse();
        failures.attempt("device", failing("one"));
        assertThat(lines(Level.ERROR)).hasSize(3);
    }

    @Test
    void objectsAreIndependent_oneFailingDoesNotSilenceOrStopAnother() {
        failures.attempt("a", failing("boom"));
        boolean ran = failures.attempt("b", () -> { });
        failures.attempt("b", failing("boom"));

        assertThat(ran).isTrue();
        assertThat(lines(Level.ERROR)).containsExactly(
                "a: boom (retried on every resync; logged again only when it changes)",
                "b: boom (retried on every resync; logged again only when it changes)");
    }

    @Test
    void success_withoutEarlierFailure_logsNothing_andForgottenObjectStartsAfresh() {
        failures.attempt("x", () -> { });
        assertThat(appender.list).isEmpty();
        failures.attempt("x", failing("boom"));
        failures.forget("x");
        failures.attempt("x", failing("boom"));
        assertThat(lines(Level.ERROR)).hasSize(2);
    }

    @Test
    void withPrefix_everyLineStartsWithIt() {
        Logger logger = new LoggerContext().getLogger("prefixed");
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        logger.addAppender(lines);
        ProblemLog p = new ProblemLog(logger, "udp backend");

        p.attempt("device", failing("boom"));
        p.attempt("device", () -> { });

        assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
                "udp backend: device: boom (retried on every resync; logged again only when it changes)",
                "udp backend: device: recovered");
    }
}

package dev.crossnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * {@link LogbackSetup} against the {@code logback.xml} it replaced (kept below, read by logback's own
 * XML configurator): the same line for the same event, the same levels with and without {@code
 * CROSSNET_LOG_LEVEL}.
 */
class LogbackSetupTest {
    /** The configuration file crossnet shipped before {@link LogbackSetup}, verbatim. */
    static final String OLD_XML = """
            <configuration>
              <appender name="STDERR" class="ch.qos.logback.core.ConsoleAppender">
                <target>System.err</target>
                <encoder>
                  <pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{0}: %msg%n</pattern>
                </encoder>
              </appender>
              <logger name="io.netty" level="WARN"/>
              <logger name="io.grpc" level="WARN"/>
              <logger name="io.vertx" level="WARN"/>
              <logger name="io.etcd" level="WARN"/>
              <logger name="org.eclipse.jetty" level="WARN"/>
              <root level="${CROSSNET_LOG_LEVEL:-INFO}">
                <appender-ref ref="STDERR"/>
              </root>
            </configuration>
            """;
    static final List<String> NAMES = List.of("dev.crossnet.agent.Agent", "io.netty.buffer.PoolArena", "io.grpc.Channel",
            "io.vertx.core.Vertx", "io.etcd.jetcd.Client", "org.eclipse.jetty.server.Server", "com.fasterxml.jackson.X");

    @AfterEach
    void clearLevel() {
        System.clearProperty(LogbackSetup.LEVEL_VARIABLE);
    }

    /** A context as SLF4J's provider makes one (it sets the MDC adapter that a pattern's event needs). */
    static LoggerContext context() {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter());
        return context;
    }

    static LoggerContext inCode() {
        LoggerContext context = context();
        LogbackSetup setup = new LogbackSetup();
        setup.setContext(context);
        assertThat(setup.configure(context)).isEqualTo(Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
        return context;
    }

    static LoggerContext fromOldXml() throws Exception {
        LoggerContext context = context();
        JoranConfigurator joran = new JoranConfigurator();
        joran.setContext(context);
        joran.doConfigure(new ByteArrayInputStream(OLD_XML.getBytes(StandardCharsets.UTF_8)));
        return context;
    }

    /** What the context's appenders write to stderr for one event of {@code logger} at {@code level}. */
    static String line(LoggerContext context, String logger, Level level, LoggingEvent event) {
        PrintStream err = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setErr(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            Logger l = context.getLogger(logger);
            if (l.isEnabledFor(level)) {
                l.callAppenders(event);
            }
        } finally {
            System.setErr(err);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void sameLineAsTheOldXml() throws Exception {
        LoggerContext code = inCode();
        LoggerContext xml = fromOldXml();
        Logger agent = code.getLogger("dev.crossnet.agent.Agent");
        LoggingEvent event = new LoggingEvent(Logger.FQCN, agent, Level.INFO, "leased {} on {}",
                new IllegalStateException("boom"), new Object[] {"10.5.3.0/24", "eth0"});
        event.setThreadName("agent-loop");

        String fromCode = line(code, "dev.crossnet.agent.Agent", Level.INFO, event);
        assertThat(fromCode).isEqualTo(line(xml, "dev.crossnet.agent.Agent", Level.INFO, event));
        assertThat(fromCode).matches("(?s)\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  \\[agent-loop\\] Agent: leased 10.5.3.0/24 on eth0\n"
                + "java.lang.IllegalStateException: boom\n\tat .*");
    }

    @Test
    void sameLevelsAsTheOldXml_withAndWithoutTheVariable() throws Exception {
        for (String value : new String[] {null, "DEBUG", "warn", "ERROR", "TRACE"}) {
            if (value != null) {
                System.setProperty(LogbackSetup.LEVEL_VARIABLE, value);
            }
            LoggerContext code = inCode();
            LoggerContext xml = fromOldXml();
            for (String name : NAMES) {
                assertThat(code.getLogger(name).getEffectiveLevel()).as(name + " at " + value)
                        .isEqualTo(xml.getLogger(name).getEffectiveLevel());
            }
        }
        assertThat(inCode().getLogger("dev.crossnet.agent.Agent").getEffectiveLevel()).isEqualTo(Level.TRACE);
        System.clearProperty(LogbackSetup.LEVEL_VARIABLE);
        assertThat(inCode().getLogger("dev.crossnet.agent.Agent").getEffectiveLevel()).isEqualTo(Level.INFO);
        assertThat(inCode().getLogger("io.netty.buffer.PoolArena").getEffectiveLevel()).isEqualTo(Level.WARN);
    }

    @Test
    void aConfigurationFileGiven_stepsAsideForLogbacksOwnConfigurator() {
        System.setProperty("logback.configurationFile", "/nonexistent/logback.xml");
        try {
            LoggerContext context = new LoggerContext();
            LogbackSetup setup = new LogbackSetup();
            setup.setContext(context);
            assertThat(setup.configure(context)).isEqualTo(Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY);
            assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders().hasNext()).isFalse();
        } finally {
            System.clearProperty("logback.configurationFile");
        }
    }

    @Test
    void isTheConfiguratorLogbackFinds() {
        assertThat(ServiceLoader.load(Configurator.class).stream().map(p -> p.type().getName()))
                .contains(LogbackSetup.class.getName());
        LoggerContext running = (LoggerContext) LoggerFactory.getILoggerFactory();
        assertThat(running.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDERR")).isNotNull();
    }
}

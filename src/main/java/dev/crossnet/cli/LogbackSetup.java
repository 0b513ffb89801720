package dev.crossnet.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.Map;

/**
 * crossnet's logging, set up in code (a {@link Configurator} found through {@code
 * META-INF/services}): one line per event on stderr, {@value #PATTERN}; the root at {@code
 * CROSSNET_LOG_LEVEL} (a system property or the environment; default INFO); the chatty libraries
 * (netty, gRPC, Vert.x, jetcd, Jetty) at WARN. This is what a {@code logback.xml} said before, without
 * logback's XML parser and its configuration model (~400 classes, 2-3 MiB of a long-running agent's
 * memory; docs/benchmarks.md, "One agent, 1000 peers"). With {@code -Dlogback.configurationFile=…}
 * set, this configurator steps aside and logback reads that file as usual.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class LogbackSetup extends ContextAwareBase implements Configurator {
    /** The layout of every line. */
    static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level [%thread] %logger{0}: %msg%n";
    /** Loggers held at WARN whatever the root's level. */
    static final Map<String, Level> QUIET = Map.of("io.netty", Level.WARN, "io.grpc", Level.WARN, "io.vertx", Level.WARN,
            "io.etcd", Level.WARN, "org.eclipse.jetty", Level.WARN);
    static final String LEVEL_VARIABLE = "CROSSNET_LOG_LEVEL";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY; // the user's file, read by logback's own configurator
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        QUIET.forEach((name, level) -> context.getLogger(name).setLevel(level));
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(rootLevel(System.getProperty(LEVEL_VARIABLE, System.getenv(LEVEL_VARIABLE))));
        root.addAppender(stderr);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** The root's level for the variable's value: INFO when unset; otherwise as logback reads a level (unknown: DEBUG). */
    static Level rootLevel(String value) {
        return value == null ? Level.INFO : Level.toLevel(value.trim());
    }
}

package dev.crossnet.cli;

import dev.crossnet.CrossnetException;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code crossnet} command: picocli wiring and one place that turns errors into exit codes.
 *
 * <p>The subcommands are added when a run needs them, not declared on the annotation: picocli reads the
 * annotations of every command and option of the tree it builds, about 0.4 s of CPU for the whole tree
 * (docs/benchmarks.md, "CLI start-up"), paid by every one-shot command and every agent start. A run whose
 * first argument names a command builds that command only; anything else (no command, an option, {@code
 * help}, a name that is no command) builds them all, so help, usage and the error's suggestions list every
 * command.
 */
@Command(name = "crossnet", mixinStandardHelpOptions = true, versionProvider = VersionCommand.Provider.class,
        description = "Cross-host networking for containers.")
public final class Main implements Runnable {
    /** Every subcommand, in the order {@code crossnet --help} lists them. */
    static final List<Class<?>> COMMANDS = List.of(AgentCommand.class, ConfigCommand.class, LeaseCommand.class,
            LabCommand.class, NetworkCommand.class, PluginCommand.class, DnsCommand.class, DockerSetupCommand.class,
            ClusterCommands.Init.class, ClusterCommands.Join.class, ClusterCommands.Leave.class, ClusterCommands.Token.class,
            ClusterCommands.Endpoint.class, ClusterCommands.Service.class, NodeCommand.class, StatusCommand.class,
            BenchCommand.class, VersionCommand.class, CommandLine.HelpCommand.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns the exit code: 0 ok, 1 error, 2 usage error. */
    public static int run(String... args) {
        jettyWithoutJmx();
        localeDataWithoutCldr();
        quietUnlessLongRunning(args);
        CommandLine cl = commandLine(args);
        cl.setExecutionExceptionHandler((ex, cmd, parse) -> {
            if (ex instanceof CrossnetException) {
                cmd.getErr().println("crossnet: error: " + ex.getMessage());
                return 1;
            }
            throw ex;
        });
        return cl.execute(args);
    }

    /** The command tree {@code args} need: the command {@code args[0]} names only, or every command. */
    static CommandLine commandLine(String... args) {
        CommandLine cl = new CommandLine(new Main());
        Class<?> named = args.length == 0 ? null : named(args[0]);
        for (Class<?> c : named == null ? COMMANDS : List.of(named)) {
            cl.addSubcommand(c);
        }
        return cl;
    }

    /** The command called {@code name} (or one of its aliases); null for none, and for help, which lists them all. */
    private static Class<?> named(String name) {
        for (Class<?> c : COMMANDS) {
            Command a = c.getAnnotation(Command.class);
            if (c != CommandLine.HelpCommand.class && (a.name().equals(name) || Arrays.asList(a.aliases()).contains(name))) {
                return c;
            }
        }
        return null;
    }

    /** Jetty's system property that {@link #jettyWithoutJmx} sets. */
    static final String JETTY_REFERENCES_PER_CACHE_LINE = "org.eclipse.jetty.util.referencesPerCacheLine";

    /**
     * Tells Jetty how many object references fill a 64-byte cache line (16 with compressed pointers, on a
     * heap under 32 GiB; 8 otherwise), unless set already. Without it, Jetty's first server or client asks
     * the platform MBean server whether pointers are compressed, which loads and registers the JDK's whole
     * JMX and management layer (~250 classes, ~1.5 MiB of a long-running agent) to read one flag.
     */
    static void jettyWithoutJmx() {
        if (System.getProperty(JETTY_REFERENCES_PER_CACHE_LINE) == null) {
            boolean compressed = Runtime.getRuntime().maxMemory() < 32L * 1024 * 1024 * 1024;
            System.setProperty(JETTY_REFERENCES_PER_CACHE_LINE, compressed ? "16" : "8");
        }
    }

    /** The JDK's system property that {@link #localeDataWithoutCldr} sets, and the value it sets. */
    static final String LOCALE_PROVIDERS = "java.locale.providers";
    static final String LOCALE_PROVIDERS_COMPAT = "COMPAT";

    /**
     * Makes the JDK take locale data from its own small tables (COMPAT) instead of CLDR, unless the property is
     * set already or the JDK is 21 or newer (which warns that COMPAT is going away). Two libraries build a
     * calendar at startup although crossnet keeps no dates: sqlite-jdbc's connection config (its date formatter,
     * {@code FastDateFormat} → {@code FastDateParser} → {@code Calendar.getInstance}) and Jackson's
     * {@code ObjectMapper} (its {@code StdDateFormat}, a {@code SimpleDateFormat} for {@code Locale.US}). The
     * calendar's week data made the CLDR adapter create a {@code Locale} for every tag in its parent-locale
     * table (about 1000, ~0.5 MiB of heap plus its classes) and keep them for good. The JDK reads the property
     * once, at its first locale lookup, so this runs before any command. For en and ROOT, the locales crossnet
     * formats in ({@code %d}, {@code %.1f}, numeric date patterns), both give the same digits, separators and
     * signs; crossnet parses nothing locale-dependent.
     */
    static void localeDataWithoutCldr() {
        if (Runtime.version().feature() < 21 && System.getProperty(LOCALE_PROVIDERS) == null) {
            System.setProperty(LOCALE_PROVIDERS, LOCALE_PROVIDERS_COMPAT);
        }
    }

    /** One-shot commands print results, not progress: only warnings are logged unless asked. */
    private static void quietUnlessLongRunning(String[] args) {
        boolean longRunning = args.length > 0 && (args[0].equals("agent") || args[0].equals("plugin") || args[0].equals("dns")
                || args[0].equals("join-endpoint"));
        if (!longRunning && System.getenv("CROSSNET_LOG_LEVEL") == null) {
            org.slf4j.Logger root = org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
            if (root instanceof ch.qos.logback.classic.Logger l) {
                l.setLevel(ch.qos.logback.classic.Level.WARN);
            }
        }
    }
}

package dev.crossnet.cli;

import dev.crossnet.CrossnetException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code crossnet} command: picocli wiring and one place that turns errors into exit codes. */
@Command(name = "crossnet", mixinStandardHelpOptions = true, versionProvider = VersionCommand.Provider.class,
        description = "Cross-host networking for containers.",
        subcommands = {VersionCommand.class, PluginCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

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
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parse) -> {
            if (ex instanceof CrossnetException) {
                cmd.getErr().println("crossnet: error: " + ex.getMessage());
                return 1;
            }
            throw ex;
        });
        return cl.execute(args);
    }
}

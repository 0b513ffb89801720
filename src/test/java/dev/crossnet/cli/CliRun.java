package dev.crossnet.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;

/** Runs the CLI in-process and captures what it prints. Not thread-safe: it swaps System.out and System.err. */
record CliRun(int code, String out, String err) {

    static CliRun of(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            // Jazzer, when fuzz tests shared the JVM before, writes to stderr (its log lines start "INFO: " or
            // "WARN: ", e.g. each class it instruments, a hook it skips): not the CLI's output, which never does.
            String errText = err.toString(StandardCharsets.UTF_8).lines()
                    .filter(l -> !l.startsWith("INFO: ") && !l.startsWith("WARN: "))
                    .map(l -> l + "\n").collect(Collectors.joining());
            return new CliRun(code, out.toString(StandardCharsets.UTF_8), errText);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}

package dev.crossnet.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

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
            // Jazzer, when fuzz tests shared the JVM before, writes to stderr: log lines that start "INFO: " or
            // "WARN: " (each class it instruments, hooks it could not apply to old class files), a warning's
            // indented continuation lines after them. Not the CLI's output, which never starts a line so.
            StringBuilder errText = new StringBuilder();
            boolean jazzer = false;
            for (String l : err.toString(StandardCharsets.UTF_8).lines().toList()) {
                jazzer = l.startsWith("INFO: ") || l.startsWith("WARN: ") || (jazzer && l.startsWith(" "));
                if (!jazzer) {
                    errText.append(l).append('\n');
                }
            }
            return new CliRun(code, out.toString(StandardCharsets.UTF_8), errText.toString());
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}

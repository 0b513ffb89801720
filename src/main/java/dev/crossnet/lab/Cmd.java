package dev.crossnet.lab;

import dev.crossnet.CrossnetException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/** Runs one external command to completion and captures its output. Blocking; thread-safe. */
final class Cmd {
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private Cmd() {
    }

    /** Exit code and captured output of a finished command. */
    record Result(int exit, String out, String err) {
    }

    /**
     * Runs {@code argv}, feeding {@code stdin} (may be null). A command still running after
     * {@code timeout} is killed and reported as an error.
     */
    static Result run(List<String> argv, String stdin, Duration timeout) {
        Process p;
        try {
            p = new ProcessBuilder(argv).start();
        } catch (IOException e) {
            throw new CrossnetException("cannot run " + argv.get(0) + ": " + e.getMessage(), e);
        }
        // stderr on its own thread so that neither pipe can fill up and stall the command.
        AtomicReference<String> err = new AtomicReference<>("");
        Thread errReader = new Thread(() -> err.set(drain(p.getErrorStream())), "cmd-stderr");
        errReader.setDaemon(true);
        errReader.start();
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            // the command exited without reading all of stdin; its exit code says why
        }
        String out = drain(p.getInputStream());
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new CrossnetException(String.join(" ", argv) + ": still running after " + timeout.toSeconds() + "s");
            }
            errReader.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new CrossnetException(String.join(" ", argv) + ": interrupted");
        }
        return new Result(p.exitValue(), out, err.get());
    }

    /** Runs and requires exit 0; returns stdout. */
    static String check(List<String> argv, String stdin) {
        Result r = run(argv, stdin, DEFAULT_TIMEOUT);
        if (r.exit() != 0) {
            String why = r.err().isBlank() ? r.out().strip() : r.err().strip();
            throw new CrossnetException(String.join(" ", argv) + " failed (exit " + r.exit() + "): " + why
                    + (stdin == null ? "" : "\n  batch was:\n    " + stdin.strip().replace("\n", "\n    ")));
        }
        return r.out();
    }

    private static String drain(InputStream s) {
        try (s) {
            return new String(s.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}

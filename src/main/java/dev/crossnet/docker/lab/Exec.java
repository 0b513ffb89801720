package dev.crossnet.docker.lab;

import dev.crossnet.CrossnetException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs a command to completion with a deadline. Thread-safe (no state). */
public final class Exec {
    private Exec() {
    }

    /** What a finished command left behind. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }

        /** Returns this if the command succeeded, else throws naming the command and its stderr. */
        public Result orThrow() {
            if (!ok()) {
                throw new CrossnetException(String.join(" ", command) + " exited " + exitCode + ": " + stderr.strip());
            }
            return this;
        }
    }

    /**
     * Runs {@code argv}, blocking at most {@code timeout}; a command still running then is killed
     * and reported as a {@link CrossnetException}.
     */
    public static Result run(Duration timeout, String... argv) {
        ProcessBuilder pb = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new CrossnetException("cannot run " + argv[0] + ": " + e.getMessage(), e);
        }
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> drain(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()));
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new CrossnetException(String.join(" ", argv) + " did not finish within " + timeout);
            }
            return new Result(List.of(argv), p.exitValue(), out.get(5, TimeUnit.SECONDS), err.get(5, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new CrossnetException("interrupted while running " + argv[0], e);
        } catch (Exception e) {
            throw new CrossnetException("cannot read the output of " + argv[0] + ": " + e.getMessage(), e);
        }
    }

    private static String drain(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}

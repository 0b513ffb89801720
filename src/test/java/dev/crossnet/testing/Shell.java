package dev.crossnet.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a command with a time limit for tests; returns exit code and combined output. */
public final class Shell {
    public record Result(int exit, String output) {
    }

    private Shell() {
    }

    public static Result run(long timeoutSeconds, String... cmd) {
        try {
            Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                return new Result(-1, "timed out: " + String.join(" ", cmd));
            }
            return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", cmd), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Runs and fails unless the exit code is 0. */
    public static String ok(String... cmd) {
        Result r = run(30, cmd);
        if (r.exit() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed (" + r.exit() + "): " + r.output());
        }
        return r.output();
    }

    /** {@code cmd} inside network namespace {@code ns}, via nsenter. */
    public static Result in(String ns, long timeoutSeconds, String... cmd) {
        String[] full = new String[cmd.length + 2];
        full[0] = "nsenter";
        full[1] = "--net=/var/run/netns/" + ns;
        System.arraycopy(cmd, 0, full, 2, cmd.length);
        return run(timeoutSeconds, full);
    }
}

package dev.crossnet.kernel.linux;

import dev.crossnet.CrossnetException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs the iproute2 / iptables tools, optionally inside a named network namespace (one under
 * {@code /var/run/netns}). Thread-safe; every call blocks until the process exits. Not final: a
 * test subclass in this package records the runs ({@code ip}, {@code bridge}, {@code tool}) to
 * count batches.
 */
class Commands {

    /** A batch of thousands of entries takes well under a second; a minute means the tool is stuck. */
    private static final long TIMEOUT_SECONDS = 60;

    /** The outcome of a finished process. */
    record Result(int exitCode, String stdout, String stderr) {
    }

    /**
     * Pipe readers. Not the common pool: on a 2-core machine it has one thread, and a reader queued
     * behind the other stream's reader would let the tool block on a full pipe.
     */
    private static final ExecutorService READERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "crossnet-pipe-reader");
        t.setDaemon(true);
        return t;
    });

    /** Kills a tool that has not closed its stdout after {@link #TIMEOUT_SECONDS}; idle otherwise. */
    private static final ScheduledThreadPoolExecutor WATCHDOG = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "crossnet-tool-watchdog");
        t.setDaemon(true);
        return t;
    });

    static {
        WATCHDOG.setRemoveOnCancelPolicy(true);
    }

    /**
     * Runs one command line to completion: {@link Commands#run} in production; unit tests pass a fake
     * tool here, so the logic around the tools (what is read, what is written, when nothing is) runs
     * without root.
     */
    @FunctionalInterface
    interface Runner {
        Result run(String stdin, List<String> command);
    }

    private final String namespace;
    private final Runner runner;

    /** @param namespace a name from {@code ip netns list}, or null for the namespace this JVM runs in */
    Commands(String namespace) {
        this(namespace, Commands::run);
    }

    Commands(String namespace, Runner runner) {
        this.namespace = namespace;
        this.runner = runner;
    }

    String namespace() {
        return namespace;
    }

    /** {@code ip [-n NS] args…}; iproute2 switches namespace itself, without a helper process. */
    Result ip(String stdin, String... args) {
        return runner.run(stdin, iproute2("ip", args));
    }

    /** {@code bridge [-n NS] args…}. */
    Result bridge(String stdin, String... args) {
        return runner.run(stdin, iproute2("bridge", args));
    }

    /** Any other tool, entered into the namespace with {@code nsenter --net=…} when there is one. */
    Result tool(String stdin, String... command) {
        List<String> cmd = new ArrayList<>();
        if (namespace != null) {
            cmd.add("nsenter");
            cmd.add("--net=/var/run/netns/" + namespace);
        }
        cmd.addAll(List.of(command));
        return runner.run(stdin, cmd);
    }

    private List<String> iproute2(String tool, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(tool);
        if (namespace != null) {
            cmd.add("-n");
            cmd.add(namespace);
        }
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Runs {@code cmd}, feeding it {@code stdin} (may be null), and returns whatever it exits with. */
    static Result run(String stdin, List<String> cmd) {
        Process p;
        try {
            p = new ProcessBuilder(cmd).start();
        } catch (IOException e) {
            throw new CrossnetException("cannot run " + cmd.get(0) + " (is it installed?): " + e.getMessage(), e);
        }
        // Read both streams while writing stdin, so that a chatty tool cannot fill a pipe and block us.
        // With nothing to write, this thread reads stdout itself: one pipe reader per run, not two.
        CompletableFuture<String> err = drain(p.getErrorStream());
        CompletableFuture<String> out;
        AtomicBoolean killed = new AtomicBoolean();
        if (stdin == null) {
            closeQuietly(p.getOutputStream());
            // A stuck tool never closes stdout: the watchdog kills it, and the read ends.
            ScheduledFuture<?> watchdog = WATCHDOG.schedule(() -> {
                killed.set(true);
                p.destroyForcibly();
            }, TIMEOUT_SECONDS, TimeUnit.SECONDS);
            try {
                out = CompletableFuture.completedFuture(read(p.getInputStream()));
            } finally {
                watchdog.cancel(false);
            }
        } else {
            out = drain(p.getInputStream());
            try (OutputStream in = p.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // The tool exited early (e.g. a batch that failed on line 1); its stderr says why.
            }
        }
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS) || killed.get()) {
                p.destroyForcibly();
                throw new CrossnetException(String.join(" ", cmd) + " did not finish in " + TIMEOUT_SECONDS + " s");
            }
            return new Result(p.exitValue(), out.join(), err.join());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new CrossnetException("interrupted while running " + String.join(" ", cmd), e);
        }
    }

    private static CompletableFuture<String> drain(InputStream s) {
        return CompletableFuture.supplyAsync(() -> read(s), READERS);
    }

    /** All of {@code s} as UTF-8, until the tool closes it (exits). */
    private static String read(InputStream s) {
        try (s) {
            return new String(s.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void closeQuietly(OutputStream s) {
        try {
            s.close();
        } catch (IOException e) {
            // nothing was written; the tool reads end-of-file either way
        }
    }
}

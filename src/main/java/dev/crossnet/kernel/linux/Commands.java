package dev.crossnet.kernel.linux;

import dev.crossnet.CrossnetException;
import java.io.ByteArrayOutputStream;
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
import java.util.concurrent.TimeUnit;

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
        CompletableFuture<String> out = drain(p.getInputStream());
        CompletableFuture<String> err = drain(p.getErrorStream());
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            // The tool exited early (e.g. a batch that failed on line 1); its stderr says why.
        }
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
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
        return CompletableFuture.supplyAsync(() -> {
            try (s) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                s.transferTo(b);
                return b.toString(StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, READERS);
    }
}

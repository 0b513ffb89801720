package dev.crossnet.kernel.linux;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * Records every tool a {@link LinuxKernel} runs (its arguments and the lines fed to its stdin), so
 * that a test can count processes and batches. The tools still run: the kernel is real. Thread-safe.
 */
public final class CommandLog {

    /** One finished tool run: the tool, its arguments (without the namespace option) and the lines fed to it. */
    public record Run(String tool, List<String> args, List<String> stdin) {
        /** Whether this was an {@code ip -batch -} or {@code bridge -batch -} (with or without {@code -force}). */
        public boolean batch() {
            return args.contains("-batch");
        }

        /** The distinct first two words of the stdin lines and how many lines: {@code "route replace x1000"}. */
        public String summary() {
            String verbs = stdin.stream().map(l -> l.split(" ", 3))
                    .map(w -> w.length < 2 ? w[0] : w[0] + " " + w[1]).distinct().collect(Collectors.joining("+"));
            return verbs + " x" + stdin.size();
        }

        @Override
        public String toString() {
            return tool + " " + String.join(" ", args) + (stdin.isEmpty() ? "" : " <" + summary() + ">");
        }
    }

    private final List<Run> runs = new CopyOnWriteArrayList<>();

    /** A real kernel for namespace {@code ns} whose runs go into this log. */
    public LinuxKernel kernelIn(String ns) {
        return LinuxKernel.with(new Recording(ns));
    }

    /** Every run so far, in order. */
    public List<Run> runs() {
        return List.copyOf(runs);
    }

    /** The {@code -batch} runs so far, in order. */
    public List<Run> batches() {
        return runs.stream().filter(Run::batch).toList();
    }

    /** Forgets what was recorded. */
    public void clear() {
        runs.clear();
    }

    private final class Recording extends Commands {
        Recording(String namespace) {
            super(namespace);
        }

        @Override
        Result ip(String stdin, String... args) {
            Result r = super.ip(stdin, args);
            record("ip", stdin, args);
            return r;
        }

        @Override
        Result bridge(String stdin, String... args) {
            Result r = super.bridge(stdin, args);
            record("bridge", stdin, args);
            return r;
        }

        @Override
        Result tool(String stdin, String... command) {
            Result r = super.tool(stdin, command);
            record(command[0], stdin, java.util.Arrays.copyOfRange(command, 1, command.length));
            return r;
        }

        private void record(String tool, String stdin, String... args) {
            runs.add(new Run(tool, List.of(args), stdin == null ? List.of() : stdin.lines().toList()));
        }
    }
}

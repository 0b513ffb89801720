package dev.crossnet.lab;

import dev.crossnet.CrossnetException;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Starting lab processes (agents, etcd) detached inside a namespace, and stopping them. Blocking;
 * thread-safe.
 */
final class Processes {
    private Processes() {
    }

    /**
     * Starts {@code cmd} inside namespace {@code ns}, in a session of its own (so that a Ctrl-C
     * meant for {@code lab up} does not reach it, and it outlives {@code lab up}), with stdout and
     * stderr appended to {@code log}. Does not wait.
     *
     * @return the pid; {@code setsid} and {@code nsenter} exec, so it is {@code cmd}'s own pid
     */
    static Process startDetached(String ns, List<String> cmd, Path log) {
        List<String> argv = new ArrayList<>(List.of("setsid"));
        argv.addAll(Plumbing.inNs(ns, cmd));
        try {
            return new ProcessBuilder(argv)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        } catch (IOException e) {
            throw new CrossnetException("cannot start " + cmd.get(0) + " in " + ns + ": " + e.getMessage(), e);
        }
    }

    /**
     * Whether {@code pid} is alive and is ours: its command line mentions {@code marker} (the lab
     * directory), so that a recycled pid is never mistaken for, or killed as, a lab process.
     */
    static boolean isOurs(long pid, String marker) {
        if (pid <= 0) {
            return false;
        }
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isEmpty() || !h.get().isAlive()) {
            return false;
        }
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ').contains(marker);
        } catch (IOException e) {
            return false; // exited meanwhile
        }
    }

    /**
     * Every live process whose command line mentions {@code marker}: finds a lab's agents and etcd
     * wherever they are, even one caught between {@code setsid}/{@code nsenter} and java (so not
     * yet in its namespace) when a crashed {@code up} is cleaned up.
     */
    static List<Long> findByCommandLine(String marker) {
        List<Long> out = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        ProcessHandle.allProcesses().filter(h -> h.pid() != self).forEach(h -> {
            if (isOurs(h.pid(), marker)) {
                out.add(h.pid());
            }
        });
        return out;
    }

    /**
     * Sends SIGTERM to every pid, waits up to {@code grace} for all of them to exit, then SIGKILLs
     * the rest and waits for those too. Pids already gone are skipped.
     *
     * @return the pids that were signalled
     */
    static List<Long> stop(Collection<Long> pids, Duration grace) {
        List<ProcessHandle> live = new ArrayList<>();
        for (long pid : pids) {
            ProcessHandle.of(pid).filter(ProcessHandle::isAlive).ifPresent(live::add);
        }
        live.forEach(ProcessHandle::destroy);
        awaitExit(live, grace);
        live.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        awaitExit(live, Duration.ofSeconds(5));
        List<Long> out = new ArrayList<>();
        for (ProcessHandle h : live) {
            if (h.isAlive()) {
                throw new CrossnetException("process " + h.pid() + " survived SIGKILL");
            }
            out.add(h.pid());
        }
        return out;
    }

    private static void awaitExit(List<ProcessHandle> procs, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (procs.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
            pause(20);
        }
    }

    /** The last {@code lines} lines of a log, for error messages. */
    static String tail(Path log, int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n    ", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** A short wait inside a polling loop (never a substitute for a condition). */
    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CrossnetException("interrupted");
        }
    }

    /** @throws CrossnetException unless the effective uid is 0 */
    static void requireRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    String[] f = line.split("\\s+");
                    if (!"0".equals(f[2])) {
                        throw new CrossnetException("the lab needs root (it creates network namespaces); run it with sudo");
                    }
                    return;
                }
            }
        } catch (IOException e) {
            throw new CrossnetException("cannot read /proc/self/status to check for root: " + e.getMessage(), e);
        }
    }
}

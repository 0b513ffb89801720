package dev.crossnet.bench;

import dev.crossnet.CrossnetException;
import dev.crossnet.lab.Lab;
import dev.crossnet.lab.LabOptions;
import dev.crossnet.lab.LabState.HostState;
import dev.crossnet.model.BackendConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Join convergence: on a running N-host lab, one more host joins; how long from its lease being
 * written until the last of the N peers has the route to its subnet. Each peer runs
 * {@code ip -ts monitor route}, so the kernel's own event times are compared with the new agent's
 * "leased" log line (both wall-clock, local time). Also reported: from the new agent answering
 * {@code /readyz}. Blocking; one lab at a time, removed afterwards.
 */
public final class JoinBench {
    /** {@code [2026-11-21T12:00:00.123456]} at the start of an {@code ip -ts} line. */
    private static final Pattern TS = Pattern.compile("^\\[\\d{4}-\\d\\d-\\d\\dT(\\d\\d:\\d\\d:\\d\\d\\.\\d+)\\]");
    /** logback's {@code HH:mm:ss.SSS} at the start of the agent's line {@code leased 10.5.3.0/24 …}. */
    private static final Pattern LEASED = Pattern.compile("^(\\d\\d:\\d\\d:\\d\\d\\.\\d{3}) .*leased (\\S+)");

    /** USER_HZ, 100 on every Linux we run on. */
    private static final long CLOCK_TICKS_PER_SECOND = 100;

    private final String labName;
    private final BackendConfig.Type backend;
    private final PrintStream out;
    private final Consumer<String> progress;

    /** Seconds from the lease write (and from readiness) to the first, median and last peer route. */
    public record Result(int peers, double first, double median, double last, double lastFromReady) {
    }

    public JoinBench(String labName, BackendConfig.Type backend, PrintStream out, Consumer<String> progress) {
        this.labName = labName;
        this.backend = backend;
        this.out = out;
        this.progress = progress;
    }

    public List<Result> run(List<Integer> sizes) {
        List<Result> results = new ArrayList<>();
        for (int n : sizes) {
            results.add(once(n));
        }
        out.println();
        out.println("| peers | \"leased\" log line → first peer route s | → median peer | → last peer route s | agent ready → last peer route s |");
        out.println("|---|---|---|---|---|");
        for (Result r : results) {
            out.printf(Locale.ROOT, "| %d | %.3f | %.3f | %.3f | %.3f |%n", r.peers(), r.first(), r.median(), r.last(), r.lastFromReady());
        }
        return results;
    }

    private Result once(int peers) {
        progress.accept("join: lab " + labName + " with " + peers + " hosts (" + backend.wire() + ")");
        LabOptions o = LabOptions.defaults().withName(labName).withHosts(peers).withContainersPerHost(0).withBackend(backend)
                .withAgentTimeout(Duration.ofSeconds(300)).withProgress(progress);
        try (Lab lab = Lab.up(o)) {
            awaitQuiet(lab);
            idleCpu(lab);
            List<Process> monitors = new ArrayList<>();
            List<CompletableFuture<String>> outputs = new ArrayList<>();
            try {
                for (HostState h : lab.state().hosts()) {
                    // stdbuf: ip writes its events through stdio, which a pipe would buffer.
                    Process p = lab.spawn(h.name(), "stdbuf", "-oL", "ip", "-ts", "monitor", "route");
                    monitors.add(p);
                    outputs.add(CompletableFuture.supplyAsync(() -> drain(p.getInputStream())));
                }
                String host = lab.addHost();
                LocalTime ready = LocalTime.now();
                String subnet = lab.host(host).subnet();
                LocalTime leased = leaseTime(lab, host, subnet);
                List<Double> times = new ArrayList<>();
                long deadline = System.nanoTime() + 60_000_000_000L;
                // Poll the kernel of every peer until all have the route, then read the monitors' times.
                while (lab.state().hosts().stream().filter(h -> !h.name().equals(host))
                        .anyMatch(h -> lab.exec(h.name(), "ip", "route", "show", subnet).out().isBlank())) {
                    if (System.nanoTime() > deadline) {
                        throw new CrossnetException("join: not every peer had a route to " + subnet + " within 60 s");
                    }
                }
                monitors.forEach(Process::destroy);
                for (CompletableFuture<String> f : outputs) {
                    LocalTime t = routeTime(f.join(), subnet);
                    times.add(seconds(leased, t));
                }
                times.sort(Double::compare);
                double last = times.get(times.size() - 1);
                return new Result(peers, times.get(0), times.get(times.size() / 2), last,
                        last - seconds(leased, ready));
            } finally {
                monitors.forEach(Process::destroyForcibly);
            }
        }
    }

    /**
     * Waits (at most two minutes) until the agents, just started JVMs, are idle: under 2% of a CPU
     * each (an idle agent on the embedded store uses about 1.3%, its watch polling SQLite), so the
     * join is timed on a settled lab and not against their start-up.
     */
    private void awaitQuiet(Lab lab) {
        List<Long> pids = lab.state().hosts().stream().map(HostState::agentPid).toList();
        long idle = 2L * pids.size() * CLOCK_TICKS_PER_SECOND / 100;
        long t0 = System.nanoTime();
        long before = cpuTicks(pids);
        long rate = Long.MAX_VALUE;
        while (rate > idle && System.nanoTime() - t0 < 120_000_000_000L) {
            pause(2000);
            long now = cpuTicks(pids);
            rate = (now - before) / 2;
            before = now;
        }
        progress.accept(String.format(Locale.ROOT, "join: agents at %.2f CPUs after %.1f s", rate / (double) CLOCK_TICKS_PER_SECOND,
                (System.nanoTime() - t0) / 1e9));
    }

    /**
     * Prints the CPU the settled agents use over 10 s (utime + stime from {@code /proc}), per agent:
     * the cost of an idle agent, which on the embedded store is its watch polling SQLite.
     */
    private void idleCpu(Lab lab) {
        List<Long> pids = lab.state().hosts().stream().map(HostState::agentPid).toList();
        long before = cpuTicks(pids);
        long t0 = System.nanoTime();
        pause(10_000);
        double secs = (System.nanoTime() - t0) / 1e9;
        double perAgent = (cpuTicks(pids) - before) / (double) CLOCK_TICKS_PER_SECOND / secs / pids.size();
        out.printf(Locale.ROOT, "idle agents (%d, %s backend, %s store): %.2f %% of a CPU each, over %.0f s%n", pids.size(),
                backend.wire(), lab.state().store().startsWith("file:") ? "embedded" : "etcd", 100 * perAgent, secs);
    }

    /** utime + stime of the processes, in clock ticks, from {@code /proc/PID/stat}. */
    private static long cpuTicks(List<Long> pids) {
        long sum = 0;
        for (long pid : pids) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                sum += Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15 of stat(5)
            } catch (IOException | RuntimeException e) {
                // gone: counts as idle
            }
        }
        return sum;
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis); // sampling CPU time over an interval
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CrossnetException("interrupted");
        }
    }

    private static LocalTime leaseTime(Lab lab, String host, String subnet) {
        try {
            for (String line : Files.readAllLines(lab.agentLog(host))) {
                Matcher m = LEASED.matcher(line);
                if (m.find() && m.group(2).equals(subnet)) {
                    return LocalTime.parse(m.group(1));
                }
            }
        } catch (IOException e) {
            throw new CrossnetException("cannot read " + lab.agentLog(host) + ": " + e.getMessage(), e);
        }
        throw new CrossnetException("no \"leased " + subnet + "\" line in " + lab.agentLog(host));
    }

    /** The time of the first event in {@code monitor} that adds a route to {@code subnet}. */
    static LocalTime routeTime(String monitor, String subnet) {
        for (String line : monitor.split("\n")) {
            Matcher m = TS.matcher(line);
            if (m.find() && line.substring(m.end()).trim().startsWith(subnet) && !line.contains("Deleted")) {
                return LocalTime.parse(m.group(1));
            }
        }
        throw new CrossnetException("no route event for " + subnet + " in:\n" + monitor);
    }

    private static double seconds(LocalTime from, LocalTime to) {
        return (to.toNanoOfDay() - from.toNanoOfDay()) / 1e9;
    }

    private static String drain(InputStream s) {
        try (s) {
            return new String(s.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}

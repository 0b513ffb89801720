package dev.crossnet.bench;

import dev.crossnet.CrossnetException;
import dev.crossnet.lab.Lab;
import dev.crossnet.lab.LabOptions;
import dev.crossnet.model.BackendConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Issue 12's comparison of encrypted tunnels: single-stream TCP (iperf3) and the datapath's CPU
 * seconds per GB moved, over the raw underlay, crossnet udp, crossnet udp encrypted, Debian's
 * {@code wireguard-go} and Debian's {@code nebula}, interleaved: each round runs every path once,
 * so load that comes and goes on the machine hits them alike.
 *
 * <p>The underlay, udp-encrypted, wireguard-go and nebula paths share one 2-host lab (the encrypted
 * udp backend, a cluster store); plain udp needs its own backend, so a twin 2-host lab (name +
 * {@code p}) is up at the same time, idle while the others run. crossnet's paths go container to
 * container; the underlay and the foreign tunnels go host to host (they have no containers).
 * Before the rounds, one unmeasured run of {@value #WARM_UP_SECONDS} s (or {@code seconds}, if longer)
 * per path warms every datapath up: handshakes, and the JIT, which on a loaded machine takes tens of
 * seconds to compile the JDK's GCM path with C2 (docs/benchmarks.md).
 *
 * <p>CPU: user + system time of the datapath's processes ({@code /proc/PID/stat}) over each run:
 * both agents for crossnet, both wireguard-go or nebula processes; none for the underlay (the
 * kernel's work lands in softirq and in iperf3, not in a process of its own). Divided by the bytes
 * the iperf3 receiver got. Blocking; prints, never asserts.
 */
public final class TunnelBench {
    public static final List<String> PATHS = List.of("underlay", "udp", "udp-encrypted", "wireguard-go", "nebula");
    static final int WARM_UP_SECONDS = 10;
    private static final long CLOCK_TICKS = 100; // USER_HZ: /proc/PID/stat times are in 1/100 s on Linux

    private final String labName;
    private final int runs;
    private final int seconds;
    private final PrintStream out;
    private final Consumer<String> progress;

    /** One run: receiver's Gbit/s, GB received, datapath CPU seconds (NaN: no datapath process). */
    record Run(double gbps, double gb, double cpuSeconds) {
    }

    public TunnelBench(String labName, int runs, int seconds, PrintStream out, Consumer<String> progress) {
        if (labName.length() > 11) {
            throw new CrossnetException("--name: \"" + labName + "\" is too long for the tunnel comparison (at most 11"
                    + " characters: its twin lab is called " + labName + "p)");
        }
        this.labName = labName;
        this.runs = runs;
        this.seconds = seconds;
        this.out = out;
        this.progress = progress;
    }

    /** Brings the two labs and the tunnels up, measures, prints the table and ratios, and removes everything. */
    public Map<String, List<Run>> run() {
        LabOptions base = LabOptions.defaults().withHosts(2).withContainersPerHost(1).withBackend(BackendConfig.Type.UDP)
                .withProgress(progress);
        progress.accept("lab " + labName + ": udp backend, encrypted");
        try (Lab sealed = Lab.up(base.withName(labName).withEncrypt(true).withStore(LabOptions.StoreKind.CLUSTER))) {
            progress.accept("lab " + labName + "p: udp backend, plain");
            try (Lab plain = Lab.up(base.withName(labName + "p"));
                 ForeignTunnels tunnels = new ForeignTunnels(sealed)) {
                progress.accept("wireguard-go between " + labName + "'s h1 and h2");
                tunnels.startWireguardGo();
                progress.accept("nebula between " + labName + "'s h1 and h2");
                tunnels.startNebula();
                Map<String, Endpoints> paths = new LinkedHashMap<>();
                paths.put("underlay", new Endpoints(sealed, "h2", "h1", sealed.ip("h2"), List.of()));
                paths.put("udp", new Endpoints(plain, "h2-c1", "h1-c1", plain.ip("h2-c1"), agents(plain)));
                paths.put("udp-encrypted", new Endpoints(sealed, "h2-c1", "h1-c1", sealed.ip("h2-c1"), agents(sealed)));
                paths.put("wireguard-go", new Endpoints(sealed, "h2", "h1", ForeignTunnels.WG_NET + "2", tunnels.wireguardGoPids()));
                paths.put("nebula", new Endpoints(sealed, "h2", "h1", ForeignTunnels.NEBULA_NET + "2", tunnels.nebulaPids()));
                for (Map.Entry<String, Endpoints> e : paths.entrySet()) {
                    Run r = measure(e.getValue(), Math.max(seconds, WARM_UP_SECONDS));
                    progress.accept(String.format(Locale.ROOT, "%s warm-up: %.2f Gbit/s", e.getKey(), r.gbps()));
                }
                Map<String, List<Run>> results = new LinkedHashMap<>();
                paths.keySet().forEach(p -> results.put(p, new ArrayList<>()));
                for (int round = 1; round <= runs; round++) {
                    for (Map.Entry<String, Endpoints> e : paths.entrySet()) {
                        Run r = measure(e.getValue(), seconds);
                        results.get(e.getKey()).add(r);
                        progress.accept(String.format(Locale.ROOT, "round %d %s: %.2f Gbit/s, %.1f CPU-s/GB", round, e.getKey(),
                                r.gbps(), r.cpuSeconds() / r.gb()));
                    }
                }
                print(results);
                return results;
            }
        }
    }

    private record Endpoints(Lab lab, String server, String client, String ip, List<Long> datapath) {
    }

    private static List<Long> agents(Lab lab) {
        return List.of(lab.host("h1").agentPid(), lab.host("h2").agentPid());
    }

    private Run measure(Endpoints e, int seconds) {
        long before = cpuTicks(e.datapath());
        Iperf.Result r = Iperf.run(e.lab(), e.server(), e.client(), e.ip(), List.of("-t", Integer.toString(seconds)),
                Duration.ofSeconds(seconds + 31L));
        double cpu = e.datapath().isEmpty() ? Double.NaN : (double) (cpuTicks(e.datapath()) - before) / CLOCK_TICKS;
        return new Run(r.bitsPerSecond() / 1e9, r.bytesReceived() / 1e9, cpu);
    }

    /** utime + stime of the processes, in clock ticks (all their threads; children are not counted). */
    static long cpuTicks(List<Long> pids) {
        long sum = 0;
        for (long pid : pids) {
            try {
                sum += cpuTicks(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
            } catch (IOException e) {
                throw new CrossnetException("datapath process " + pid + " is gone (" + e.getMessage() + ")", e);
            }
        }
        return sum;
    }

    /** Fields 14 and 15 of a {@code /proc/PID/stat} line; the command name (field 2) may hold spaces and parentheses. */
    static long cpuTicks(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // f[0] is field 3 (state)
    }

    private void print(Map<String, List<Run>> results) {
        out.println();
        out.println("| path | Gbit/s per run | median Gbit/s | median / underlay | datapath CPU-s per GB, per run | median CPU-s per GB |");
        out.println("|---|---|---|---|---|---|");
        double underlay = median(results.get("underlay"), Run::gbps);
        for (Map.Entry<String, List<Run>> e : results.entrySet()) {
            List<Run> rs = e.getValue();
            double m = median(rs, Run::gbps);
            boolean kernel = Double.isNaN(rs.get(0).cpuSeconds());
            out.printf(Locale.ROOT, "| %s | %s | %.2f | %.2f | %s | %s |%n", e.getKey(),
                    String.join(", ", rs.stream().map(r -> String.format(Locale.ROOT, "%.2f", r.gbps())).toList()), m, m / underlay,
                    kernel ? "- (kernel)"
                            : String.join(", ", rs.stream().map(r -> String.format(Locale.ROOT, "%.1f", r.cpuSeconds() / r.gb())).toList()),
                    kernel ? "-" : String.format(Locale.ROOT, "%.1f", median(rs, r -> r.cpuSeconds() / r.gb())));
        }
        out.println();
        double sealed = median(results.get("udp-encrypted"), Run::gbps);
        for (String other : List.of("udp", "wireguard-go", "nebula")) {
            double o = median(results.get(other), Run::gbps);
            out.printf(Locale.ROOT, "udp-encrypted / %s, median Gbit/s: %.2f  (%.2f against %.2f of the underlay)%n", other,
                    sealed / o, sealed / underlay, o / underlay);
        }
    }

    private static double median(List<Run> rs, java.util.function.ToDoubleFunction<Run> f) {
        return Stats.of(rs.stream().mapToDouble(f).toArray()).median();
    }
}

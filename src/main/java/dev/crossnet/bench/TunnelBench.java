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
 * seconds per GB moved, over the raw underlay, crossnet udp, crossnet udp encrypted, crossnet
 * Docker networks (plain and {@code --opt encrypted}), Debian's {@code wireguard-go} and Debian's
 * {@code nebula}, interleaved: each round runs every path once, so load that comes and goes on the
 * machine hits them alike.
 *
 * <p>Two 2-host labs with a cluster store and a dockerd per host are up at the same time, each idle
 * while the other's paths run. The first runs the encrypted udp backend and carries the underlay,
 * udp-encrypted, the two Docker networks and the foreign tunnels; plain udp needs its own backend,
 * so a twin (name + {@code p}) carries it, and, its agents run with {@value #FRAMES_FLAG}, an
 * encrypted Docker network that moves one frame per packet (the datapath without TAP and UDP
 * offloads: the comparison for the offloads). crossnet's paths go container to container (Docker
 * containers: the host's iperf3 in their network namespace, {@link DockerPaths}); the underlay and
 * the foreign tunnels go host to host (they have no containers).
 * Before the rounds, one unmeasured run of {@value #WARM_UP_SECONDS} s (or {@code seconds}, if longer)
 * per path warms every datapath up: handshakes, and the JIT, which on a loaded machine takes tens of
 * seconds to compile the JDK's GCM path with C2 (docs/benchmarks.md).
 *
 * <p>CPU: user + system time of the datapath's processes ({@code /proc/PID/stat}) over each run:
 * both agents for crossnet (the Docker datapaths run in them too), both wireguard-go or nebula processes; none for the underlay (the
 * kernel's work lands in softirq and in iperf3, not in a process of its own). Divided by the bytes
 * the iperf3 receiver got. Blocking; prints, never asserts.
 */
public final class TunnelBench {
    public static final List<String> PATHS = List.of("underlay", "udp", "udp-encrypted", "docker", "docker-encrypted",
            "docker-encrypted-frames", "wireguard-go", "nebula");
    /** The agent flag of the twin lab: its encrypted Docker network moves one frame per packet, as without TAP offloads. */
    static final String FRAMES_FLAG = "--docker-encrypted-offloads=false";
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
                .withStore(LabOptions.StoreKind.CLUSTER).withDocker(true).withProgress(progress);
        progress.accept("lab " + labName + ": udp backend, encrypted; dockerd per host");
        try (Lab sealed = Lab.up(base.withName(labName).withEncrypt(true))) {
            progress.accept("lab " + labName + "p: udp backend, plain; dockerd per host, encrypted Docker networks without offloads");
            try (Lab plain = Lab.up(base.withName(labName + "p").withAgentFlags(FRAMES_FLAG));
                 ForeignTunnels tunnels = new ForeignTunnels(sealed)) {
                progress.accept("wireguard-go between " + labName + "'s h1 and h2");
                tunnels.startWireguardGo();
                progress.accept("nebula between " + labName + "'s h1 and h2");
                tunnels.startNebula();
                progress.accept("Docker networks: plain and encrypted on " + labName + ", encrypted on " + labName + "p");
                DockerPaths.Path docker = DockerPaths.network(sealed, "bench", "192.168.120.0/24", false);
                DockerPaths.Path dockerSealed = DockerPaths.network(sealed, "benchsealed", "192.168.110.0/24", true);
                DockerPaths.Path dockerFrames = DockerPaths.network(plain, "benchframes", "192.168.110.0/24", true);
                Map<String, Endpoints> paths = new LinkedHashMap<>();
                paths.put("underlay", Endpoints.of(sealed, "h2", "h1", sealed.ip("h2"), List.of()));
                paths.put("udp", Endpoints.of(plain, "h2-c1", "h1-c1", plain.ip("h2-c1"), agents(plain)));
                paths.put("udp-encrypted", Endpoints.of(sealed, "h2-c1", "h1-c1", sealed.ip("h2-c1"), agents(sealed)));
                paths.put("docker", Endpoints.of(docker, agents(sealed)));
                paths.put("docker-encrypted", Endpoints.of(dockerSealed, agents(sealed)));
                paths.put("docker-encrypted-frames", Endpoints.of(dockerFrames, agents(plain)));
                paths.put("wireguard-go", Endpoints.of(sealed, "h2", "h1", ForeignTunnels.WG_NET + "2", tunnels.wireguardGoPids()));
                paths.put("nebula", Endpoints.of(sealed, "h2", "h1", ForeignTunnels.NEBULA_NET + "2", tunnels.nebulaPids()));
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

    private record Endpoints(Iperf.Place server, Iperf.Place client, String ip, List<Long> datapath) {
        static Endpoints of(Lab lab, String server, String client, String ip, List<Long> datapath) {
            return new Endpoints(Iperf.in(lab, server), Iperf.in(lab, client), ip, datapath);
        }

        static Endpoints of(DockerPaths.Path p, List<Long> datapath) {
            return new Endpoints(p.server(), p.client(), p.serverIp(), datapath);
        }
    }

    private static List<Long> agents(Lab lab) {
        return List.of(lab.host("h1").agentPid(), lab.host("h2").agentPid());
    }

    private Run measure(Endpoints e, int seconds) {
        long before = cpuTicks(e.datapath());
        Iperf.Result r = Iperf.run(e.server(), e.client(), e.ip(), List.of("-t", Integer.toString(seconds)),
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
        ratios(results, "udp-encrypted", List.of("udp", "wireguard-go", "nebula"), underlay);
        ratios(results, "docker-encrypted", List.of("udp-encrypted", "docker", "docker-encrypted-frames", "wireguard-go", "nebula"),
                underlay);
    }

    private void ratios(Map<String, List<Run>> results, String path, List<String> others, double underlay) {
        double m = median(results.get(path), Run::gbps);
        for (String other : others) {
            double o = median(results.get(other), Run::gbps);
            out.printf(Locale.ROOT, "%s / %s, median Gbit/s: %.2f  (%.2f against %.2f of the underlay)%n", path, other,
                    m / o, m / underlay, o / underlay);
        }
    }

    private static double median(List<Run> rs, java.util.function.ToDoubleFunction<Run> f) {
        return Stats.of(rs.stream().mapToDouble(f).toArray()).median();
    }
}

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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Issue 3's throughput benchmark: single-stream iperf3 over each path of a 2-host lab, one
 * container per host, every path in one run so the ratios to the raw underlay are comparable.
 * The paths:
 * <ul>
 *   <li>{@code underlay}: host to host on the underlay addresses (veth + bridge, no overlay);
 *   <li>{@code vxlan}, {@code host-gw}, {@code udp}: container to container through crossnet;
 *   <li>{@code udp-encrypted}: the same over the udp backend with {@code Backend.Encrypt} (a cluster lab);
 *   <li>{@code kernel-vxlan}: host to host over a vxlan device made by hand (flannel's layout,
 *       VNI 42, port 4790, no crossnet), the baseline for crossnet's own encapsulation.
 * </ul>
 * One lab per backend, brought up one after the other (never two at once, so they do not compete
 * for CPU). Blocking; every iperf3 is bounded by {@code -t}.
 */
public final class DataPlaneBench {
    public static final List<String> PATHS = List.of("underlay", "vxlan", "kernel-vxlan", "host-gw", "udp", "udp-encrypted");
    /** The path of the udp backend with {@code Backend.Encrypt} (its lab is a {@code --store cluster} one: init/join issue the keys). */
    static final String UDP_ENCRYPTED = "udp-encrypted";
    private static final Pattern RTT = Pattern.compile("= ([0-9.]+)/([0-9.]+)/([0-9.]+)/");

    private final String labName;
    private final int runs;
    private final int seconds;
    private final PrintStream out;
    private final Consumer<String> progress;

    /** One path's results: Gbit/s per run, and ping RTT (avg of 20) in ms. */
    public record PathResult(String path, List<Double> gbps, double rttMs) {
        public Stats stats() {
            return Stats.of(gbps.stream().mapToDouble(Double::doubleValue).toArray());
        }
    }

    public DataPlaneBench(String labName, int runs, int seconds, PrintStream out, Consumer<String> progress) {
        this.labName = labName;
        this.runs = runs;
        this.seconds = seconds;
        this.out = out;
        this.progress = progress;
    }

    /** Measures {@code paths} (a subset of {@link #PATHS}, in that order) and prints the table. */
    public Map<String, PathResult> run(List<String> paths) {
        for (String p : paths) {
            if (!PATHS.contains(p)) {
                throw new CrossnetException("--paths: \"" + p + "\" is not one of " + String.join(", ", PATHS));
            }
        }
        Map<String, PathResult> results = new LinkedHashMap<>();
        List<String> onVxlanLab = paths.stream().filter(p -> List.of("underlay", "vxlan", "kernel-vxlan").contains(p)).toList();
        if (!onVxlanLab.isEmpty()) {
            withLab(BackendConfig.Type.VXLAN, false, lab -> {
                for (String p : onVxlanLab) {
                    results.put(p, switch (p) {
                        case "underlay" -> measure(lab, p, "h2", "h1", lab.ip("h2"));
                        case "vxlan" -> measure(lab, p, "h2-c1", "h1-c1", lab.ip("h2-c1"));
                        default -> {
                            handMadeVxlan(lab);
                            yield measure(lab, p, "h2", "h1", "10.99.0.2");
                        }
                    });
                }
            });
        }
        for (BackendConfig.Type t : List.of(BackendConfig.Type.HOST_GW, BackendConfig.Type.UDP)) {
            if (paths.contains(t.wire())) {
                withLab(t, false, lab -> results.put(t.wire(), measure(lab, t.wire(), "h2-c1", "h1-c1", lab.ip("h2-c1"))));
            }
        }
        if (paths.contains(UDP_ENCRYPTED)) {
            withLab(BackendConfig.Type.UDP, true,
                    lab -> results.put(UDP_ENCRYPTED, measure(lab, UDP_ENCRYPTED, "h2-c1", "h1-c1", lab.ip("h2-c1"))));
        }
        print(results);
        return results;
    }

    private void withLab(BackendConfig.Type backend, boolean encrypt, Consumer<Lab> body) {
        LabOptions o = LabOptions.defaults().withName(labName).withHosts(2).withContainersPerHost(1).withBackend(backend)
                .withProgress(progress);
        if (encrypt) {
            o = o.withEncrypt(true).withStore(LabOptions.StoreKind.CLUSTER);
        }
        progress.accept("lab " + labName + " with the " + backend.wire() + " backend" + (encrypt ? ", encrypted" : ""));
        try (Lab lab = Lab.up(o)) {
            body.accept(lab);
        }
    }

    private PathResult measure(Lab lab, String path, String server, String client, String ip) {
        double rtt = pingRtt(lab, client, ip);
        List<Double> gbps = new ArrayList<>();
        for (int i = 1; i <= runs; i++) {
            // -O 1: leave the first second (slow start; for udp, an agent whose JIT is still warming) out.
            Iperf.Result r = Iperf.run(lab, server, client, ip, List.of("-t", Integer.toString(seconds), "-O", "1"),
                    Duration.ofSeconds(seconds + 31L));
            gbps.add(r.bitsPerSecond() / 1e9);
            progress.accept(String.format(Locale.ROOT, "%s run %d: %.2f Gbit/s, %d retransmits", path, i, r.bitsPerSecond() / 1e9,
                    r.retransmits()));
        }
        return new PathResult(path, gbps, rtt);
    }

    /** Average RTT of 20 pings 50 ms apart (iputils ping; the lab runs as root, so -i 0.05 is allowed). */
    private static double pingRtt(Lab lab, String from, String ip) {
        Lab.ExecResult r = lab.exec(from, "ping", "-q", "-c", "20", "-i", "0.05", "-W", "1", ip);
        Matcher m = RTT.matcher(r.out());
        if (r.exit() != 0 || !m.find()) {
            throw new CrossnetException("ping " + ip + " from " + from + " failed: " + r.out() + r.err());
        }
        return Double.parseDouble(m.group(2));
    }

    /** flannel's vxlan layout by hand, host to host: kv0 with 10.99.0.N/24 and an all-zeros FDB entry to the peer. */
    private static void handMadeVxlan(Lab lab) {
        for (int i = 1; i <= 2; i++) {
            String self = lab.ip("h" + i);
            String peer = lab.ip("h" + (3 - i));
            String script = "ip link add kv0 type vxlan id 42 dstport 4790 dev eth0 local " + self + " nolearning"
                    + " && ip link set kv0 mtu 1450 && ip addr add 10.99.0." + i + "/24 dev kv0 && ip link set kv0 up"
                    + " && bridge fdb append 00:00:00:00:00:00 dev kv0 dst " + peer;
            Lab.ExecResult r = lab.exec("h" + i, "sh", "-c", script);
            if (r.exit() != 0) {
                throw new CrossnetException("hand-made vxlan on h" + i + ": " + r.err().strip());
            }
        }
    }

    private void print(Map<String, PathResult> results) {
        PathResult base = results.get("underlay");
        out.println();
        out.println("| path | Gbit/s per run | min / median / max Gbit/s | median ratio to underlay | ping RTT avg ms |");
        out.println("|---|---|---|---|---|");
        for (PathResult r : results.values()) {
            Stats s = r.stats();
            String ratio = base == null ? "-" : String.format(Locale.ROOT, "%.2f", s.median() / base.stats().median());
            out.printf(Locale.ROOT, "| %s | %s | %.2f / %.2f / %.2f | %s | %.3f |%n", r.path(),
                    String.join(", ", r.gbps().stream().map(g -> String.format(Locale.ROOT, "%.2f", g)).toList()),
                    s.min(), s.median(), s.max(), ratio, r.rttMs());
        }
        PathResult plain = results.get("udp");
        PathResult sealed = results.get(UDP_ENCRYPTED);
        if (plain != null && sealed != null) {
            out.printf(Locale.ROOT, "%nudp-encrypted / udp, median: %.2f%n", sealed.stats().median() / plain.stats().median());
        }
    }

    /** {@code /proc/loadavg}'s first three fields, for the record. */
    public static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }
}

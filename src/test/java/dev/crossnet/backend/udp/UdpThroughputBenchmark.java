package dev.crossnet.backend.udp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crossnet.testing.Shell;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Single-stream TCP throughput (iperf3, 3 runs of {@code seconds} each, interleaved) between two
 * namespaced hosts over three paths set up side by side in one lab: the raw veth underlay, a kernel
 * vxlan device (the same device crossnet's vxlan backend makes: {@code nolearning}, dstport 4789,
 * static FDB), and the udp backend in this JVM. Then 64-byte UDP packets per second over each
 * path, and CPU seconds per GB moved. Not a test; run it by hand as root:
 * <pre>
 *   mvn -q -o test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 *   java -cp target/classes:target/test-classes:$(cat target/cp.txt) dev.crossnet.backend.udp.UdpThroughputBenchmark 5 [NONE|TUN|TUN_AND_UDP] [batch]
 * </pre>
 * CPU per GB: "udp process" is this JVM's utime+stime (the datapath threads; nothing else runs),
 * "system" is all CPUs' busy time from {@code /proc/stat} (includes softirq; noisy on a shared box).
 */
public final class UdpThroughputBenchmark {

    static final String VX_A = "10.6.0.1";
    static final String VX_B = "10.6.0.2";
    static final int RUNS = 3;
    static final int PPS_SECONDS = 3;
    static final long CLOCK_TICKS = 100; // USER_HZ on Linux

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        UdpBackend.Offload offload = args.length > 1 ? UdpBackend.Offload.valueOf(args[1]) : UdpBackend.Offload.TUN_AND_UDP;
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : UdpBackend.DEFAULT_BATCH;
        Map<String, String> paths = new LinkedHashMap<>();
        paths.put("raw underlay (veth, mtu 1500)", TwoHostLab.UNDERLAY_B);
        paths.put("kernel vxlan (mtu 1450)", VX_B);
        paths.put("crossnet udp (mtu 1472)", TwoHostLab.TUN_B);
        Map<String, List<Double>> gbps = new LinkedHashMap<>();
        Map<String, double[]> cpu = new LinkedHashMap<>();
        Map<String, Double> pps = new LinkedHashMap<>();
        Map<String, Long> retransmits = new LinkedHashMap<>();
        System.out.println("load average before: " + Files.readString(Path.of("/proc/loadavg")).trim());
        try (TwoHostLab lab = TwoHostLab.start(batch, offload)) {
            kernelVxlan(lab);
            System.out.println("udp mode: " + ((UdpNetwork) lab.netA).mode());
            for (int run = 0; run < RUNS; run++) {
                for (var p : paths.entrySet()) {
                    long[] before = {processTicks(), systemBusyTicks(), userTicks()};
                    JsonNode j = iperf(lab, p.getValue(), "-t", Integer.toString(seconds));
                    long[] after = {processTicks(), systemBusyTicks(), userTicks()};
                    double bytes = j.path("end").path("sum_received").path("bytes").asDouble();
                    retransmits.merge(p.getKey(), j.path("end").path("sum_sent").path("retransmits").asLong(), Long::sum);
                    gbps.computeIfAbsent(p.getKey(), k -> new ArrayList<>())
                            .add(j.path("end").path("sum_received").path("bits_per_second").asDouble() / 1e9);
                    double[] c = cpu.computeIfAbsent(p.getKey(), k -> new double[4]);
                    c[3] += (after[2] - before[2]) / (double) CLOCK_TICKS;
                    c[0] += (after[0] - before[0]) / (double) CLOCK_TICKS;
                    c[1] += (after[1] - before[1]) / (double) CLOCK_TICKS;
                    c[2] += bytes / 1e9;
                }
            }
            for (var p : paths.entrySet()) {
                JsonNode j = iperf(lab, p.getValue(), "-u", "-l", "64", "-b", "0", "-t", Integer.toString(PPS_SECONDS));
                JsonNode rx = j.path("end").path("sum_received");
                pps.put(p.getKey(), rx.path("bytes").asDouble() / 64 / rx.path("seconds").asDouble());
            }
        }
 System.out.println("TCP retransmits (all runs): " + retransmits);
        System.out.println("load average after: " + Files.readString(Path.of("/proc/loadavg")).trim());
        double under = median(gbps.get("raw underlay (veth, mtu 1500)"));
        double vx = median(gbps.get("kernel vxlan (mtu 1450)"));
        System.out.printf("%-32s %22s %9s %9s %12s %14s %14s %14s%n", "path", "Gbit/s min/med/max", "x under", "x vxlan",
                "64B pps rx", "udp-proc s/GB", "(of it user)", "system s/GB");
        for (var e : gbps.entrySet()) {
            List<Double> v = new ArrayList<>(e.getValue());
            v.sort(Double::compare);
            double[] c = cpu.get(e.getKey());
            System.out.printf("%-32s %6.2f/%6.2f/%6.2f %9.3f %9.3f %12.0f %14.2f %14.2f %14.2f%n", e.getKey(), v.get(0), median(v),
                    v.get(v.size() - 1), median(v) / under, median(v) / vx, pps.get(e.getKey()), c[0] / c[2], c[3] / c[2], c[1] / c[2]);
        }
    }

    /** Adds a kernel vxlan device to both hosts: VNI 1, dstport 4789, static FDB, 10.6.0.0/24. */
    static void kernelVxlan(TwoHostLab lab) {
        String[][] hosts = {{lab.a, TwoHostLab.UNDERLAY_A, TwoHostLab.UNDERLAY_B, VX_A}, {lab.b, TwoHostLab.UNDERLAY_B,
                TwoHostLab.UNDERLAY_A, VX_B}};
        for (String[] h : hosts) {
            Shell.ok("ip", "-n", h[0], "link", "add", "cnuvx", "type", "vxlan", "id", "1", "local", h[1], "dev", h[0] + "v",
                    "dstport", "4789", "nolearning");
            Shell.ok("ip", "-n", h[0], "link", "set", "cnuvx", "mtu", "1450", "up");
            Shell.ok("ip", "-n", h[0], "addr", "add", h[3] + "/24", "dev", "cnuvx");
            Shell.ok("bridge", "-n", h[0], "fdb", "append", "00:00:00:00:00:00", "dev", "cnuvx", "dst", h[2]);
        }
    }

    static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.sort(Double::compare);
        return s.get(s.size() / 2);
    }

    static long processTicks() throws Exception {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
    }

    static long userTicks() throws Exception {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[11]);
    }

    static long systemBusyTicks() throws Exception {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long busy = 0;
        for (int i = 1; i < f.length && i <= 8; i++) {
            if (i != 4 && i != 5) { // skip idle, iowait
                busy += Long.parseLong(f[i]);
            }
        }
        return busy;
    }

    static JsonNode iperf(TwoHostLab lab, String server, String... opts) throws Exception {
        Process s = new ProcessBuilder("nsenter", "--net=/var/run/netns/" + lab.b, "iperf3", "-s", "-1", "-B", server, "-p", "5299")
                .redirectErrorStream(true).start();
        try {
            Shell.Result r = null;
            List<String> cmd = new ArrayList<>(List.of("iperf3", "-c", server, "-p", "5299", "-J"));
            cmd.addAll(List.of(opts));
            for (int attempt = 0; attempt < 20; attempt++) { // the server needs a moment to listen
                r = Shell.in(lab.a, 30, cmd.toArray(new String[0]));
                if (r.exit() == 0 && new ObjectMapper().readTree(r.output()).path("end").path("sum_received")
                        .path("bytes").asLong() > 0) {
                    break;
                }
                s.waitFor(100, TimeUnit.MILLISECONDS);
            }
            if (r.exit() != 0) {
                throw new IllegalStateException("iperf3 failed: " + r.output());
            }
            return new ObjectMapper().readTree(r.output());
        } finally {
            s.destroy();
            s.waitFor(5, TimeUnit.SECONDS);
        }
    }
}

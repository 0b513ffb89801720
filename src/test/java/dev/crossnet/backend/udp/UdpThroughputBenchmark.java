package dev.crossnet.backend.udp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crossnet.testing.Shell;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Single-stream TCP throughput (iperf3, bounded to {@code seconds}) between two namespaced hosts:
 * over the raw veth underlay, then over the udp backend per-packet (batch 1) and batched. Not a
 * test; run it by hand as root:
 * <pre>
 *   mvn -q -o test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 *   java -cp target/classes:target/test-classes:$(cat target/cp.txt) dev.crossnet.backend.udp.UdpThroughputBenchmark 5
 * </pre>
 * Prints Gbit/s and the ratio to the underlay, all taken in one run.
 */
public final class UdpThroughputBenchmark {

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Map<String, Double> results = new LinkedHashMap<>();
        try (TwoHostLab lab = TwoHostLab.underlayOnly()) {
            results.put("raw underlay (veth, mtu 1500)", iperf(lab, TwoHostLab.UNDERLAY_B, seconds));
        }
        for (int batch : new int[] {1, UdpBackend.DEFAULT_BATCH}) {
            try (TwoHostLab lab = TwoHostLab.start(batch)) {
                results.put("udp backend, batch " + batch, iperf(lab, TwoHostLab.TUN_B, seconds));
            }
        }
        double base = results.values().iterator().next();
        System.out.printf("%-36s %10s %8s%n", "path", "Gbit/s", "ratio");
        results.forEach((k, v) -> System.out.printf("%-36s %10.2f %8.3f%n", k, v / 1e9, v / base));
    }

    private static double iperf(TwoHostLab lab, String server, int seconds) throws Exception {
        Process s = new ProcessBuilder("nsenter", "--net=/var/run/netns/" + lab.b, "iperf3", "-s", "-1", "-B", server, "-p", "5299")
                .redirectErrorStream(true).start();
        try {
            Shell.Result r = null;
            for (int attempt = 0; attempt < 20; attempt++) { // the server needs a moment to listen
                r = Shell.in(lab.a, seconds + 20, "iperf3", "-c", server, "-p", "5299", "-t", Integer.toString(seconds), "-J");
                if (r.exit() == 0) {
                    break;
                }
                s.waitFor(100, TimeUnit.MILLISECONDS);
            }
            if (r.exit() != 0) {
                throw new IllegalStateException("iperf3 failed: " + r.output());
            }
            JsonNode j = new ObjectMapper().readTree(r.output());
            double bps = j.path("end").path("sum_received").path("bits_per_second").asDouble();
            if (bps == 0) {
                throw new IllegalStateException("iperf3 measured nothing: " + r.output());
            }
            return bps;
        } finally {
            s.destroy();
            s.waitFor(5, TimeUnit.SECONDS);
        }
    }
}

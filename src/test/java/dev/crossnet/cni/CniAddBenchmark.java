package dev.crossnet.cni;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crossnet.agent.SubnetEnv;
import dev.crossnet.bench.Stats;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Issue 14's benchmark: the time of one CNI ADD, median of {@value #ROUNDS}, as a runtime sees it
 * (from starting the plugin to its exit, with {@code nsenter} into a host namespace in front, the
 * same for every variant), and the CPU time (user + system) the plugin and its children used. Each round runs every variant once, ADD then an untimed DEL, on the same
 * container namespace, so load on the shared machine hits them alike:
 * <ul>
 *   <li>{@code bridge}: Debian's bridge plugin (Go) on the config crossnet would hand it, the floor;</li>
 *   <li>{@code crossnet}: the launcher {@code target/cni/crossnet} as built, with its class-data archive;</li>
 *   <li>{@code crossnet, no app archive}: the same launcher with the JDK's base archive only;</li>
 *   <li>{@code java -cp crossnet.jar}: the plugin with the JVM's default flags and no archive.</li>
 * </ul>
 * Needs root, {@code mvn package} and containernetworking-plugins; takes about a minute.
 * <pre>
 * mvn -q -DskipTests package dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp target/classes:target/test-classes:$(cat target/cp.txt) dev.crossnet.cni.CniAddBenchmark
 * </pre>
 */
public final class CniAddBenchmark {
    static final int ROUNDS = 20;

    private CniAddBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String tag = "cnkb" + Long.toHexString(System.nanoTime() & 0xffff);
        String host = tag + "h";
        String ctr = tag + "c";
        Path dir = Files.createTempDirectory("cni-bench");
        sh("ip", "netns", "add", host);
        sh("ip", "netns", "add", ctr);
        try {
            Path subnetFile = dir.resolve("subnet.env");
            Files.writeString(subnetFile, "FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET=10.5.34.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=false\n");
            String conf = "{\"cniVersion\":\"1.0.0\",\"name\":\"bench\",\"type\":\"crossnet\",\"subnetFile\":\"" + subnetFile
                    + "\",\"dataDir\":\"" + dir.resolve("data") + "\",\"ipam\":{\"dataDir\":\"" + dir.resolve("ipam") + "\"}}";
            ObjectMapper json = new ObjectMapper();
            String bridgeConf = DelegateConf.build(NetConf.parse(conf.getBytes(StandardCharsets.UTF_8)),
                    SubnetEnv.read(subnetFile)).toString();
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String baseArchive = Path.of(System.getProperty("java.home"), "lib", "server", "classes.jsa").toString();
            String jar = CniHarness.PLUGIN.getParent().resolveSibling("crossnet.jar").toString();
            String cni = CniHarness.DEBIAN_CNI_PATH;
            Map<String, CniHarness> variants = new LinkedHashMap<>();
            String plugin = CniHarness.PLUGIN.toString();
            variants.put("bridge (Go), direct", new CniHarness(host, timed(cni + "/bridge"), cni, Map.of()));
            variants.put("crossnet (launcher, app archive)", new CniHarness(host, timed(plugin), cni, Map.of()));
            variants.put("crossnet (launcher, no app archive)", new CniHarness(host, timed(plugin), cni,
                    Map.of("CROSSNET_CNI_JAVA_OPTS", "-XX:SharedArchiveFile=" + baseArchive)));
            variants.put("java -cp crossnet.jar (JVM defaults)", new CniHarness(host,
                    timed(java, "-cp", jar, "dev.crossnet.cni.CniMain"), cni, Map.of()));
            Map<String, double[]> ms = new LinkedHashMap<>();
            Map<String, double[]> cpu = new LinkedHashMap<>();
            variants.keySet().forEach(k -> ms.put(k, new double[ROUNDS]));
            variants.keySet().forEach(k -> cpu.put(k, new double[ROUNDS]));
            System.out.printf("load average before: %s", Files.readString(Path.of("/proc/loadavg")));
            for (int i = 0; i < ROUNDS; i++) {
                for (Map.Entry<String, CniHarness> v : variants.entrySet()) {
                    String c = v.getKey().startsWith("bridge") ? bridgeConf : conf;
                    long t0 = System.nanoTime();
                    CniHarness.Call add = v.getValue().call("ADD", "bench" + i, "/var/run/netns/" + ctr, "eth0", c);
                    ms.get(v.getKey())[i] = (System.nanoTime() - t0) / 1e6;
                    cpu.get(v.getKey())[i] = childCpuMs(add.stderr());
                    if (add.exit() != 0) {
                        throw new IllegalStateException(v.getKey() + " ADD failed: " + add);
                    }
                    CniHarness.Call del = v.getValue().call("DEL", "bench" + i, "/var/run/netns/" + ctr, "eth0", c);
                    if (del.exit() != 0) {
                        throw new IllegalStateException(v.getKey() + " DEL failed: " + del);
                    }
                }
            }
            System.out.printf("load average after:  %s", Files.readString(Path.of("/proc/loadavg")));
            double floor = Stats.of(ms.get("bridge (Go), direct")).median();
            double cpuFloor = Stats.of(cpu.get("bridge (Go), direct")).median();
            List<String> lines = new ArrayList<>();
            lines.add("| variant | ADD wall min / median / max (ms, n=" + ROUNDS + ") | median ÷ bridge | CPU (user+sys) median (ms) | ÷ bridge |");
            lines.add("|---|---|---|---|---|");
            for (Map.Entry<String, double[]> e : ms.entrySet()) {
                Stats s = Stats.of(e.getValue());
                Stats c = Stats.of(cpu.get(e.getKey()));
                lines.add(String.format("| %s | %.0f / %.0f / %.0f | %.1f× | %.0f | %.1f× |", e.getKey(), s.min(), s.median(), s.max(),
                        s.median() / floor, c.median(), c.median() / cpuFloor));
            }
            lines.forEach(System.out::println);
        } finally {
            sh("ip", "netns", "del", ctr);
            sh("ip", "netns", "del", host);
        }
    }

    /**
     * {@code cmd} under {@code sh}, which prints its children's CPU time ({@code times}, POSIX) on
     * stderr after they exit; stdout stays the plugin's.
     */
    private static List<String> timed(String... cmd) {
        List<String> argv = new ArrayList<>(List.of("sh", "-c", "\"$@\"; s=$?; times >&2; exit $s", "sh"));
        argv.addAll(List.of(cmd));
        return argv;
    }

    /** The children's user + system time from the last line {@code times} printed, e.g. {@code 0m0.310s 0m0.120s}. */
    static double childCpuMs(String stderr) {
        String[] lines = stderr.strip().split("\n");
        double total = 0;
        for (String t : lines[lines.length - 1].trim().split("\\s+")) {
            int m = t.indexOf('m');
            total += Double.parseDouble(t.substring(0, m)) * 60_000 + Double.parseDouble(t.substring(m + 1, t.length() - 1)) * 1000;
        }
        return total;
    }

    private static void sh(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed");
        }
    }
}

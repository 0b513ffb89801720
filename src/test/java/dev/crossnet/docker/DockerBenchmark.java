package dev.crossnet.docker;

import dev.crossnet.bench.Stats;
import dev.crossnet.docker.lab.DockerDaemon;
import dev.crossnet.docker.lab.Exec;
import dev.crossnet.agent.SubnetEnv;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Issue 4's benchmark, on one 2-host lab ({@code lab up --docker}, vxlan backend, embedded store).
 * Needs root; takes about two minutes.
 *
 * <p>Throughput: iperf3, one TCP stream, {@code -t 5}, {@value #RUNS} rounds; in each round every
 * path once, so a noisy neighbour hits them alike. iperf3 is Debian's, run in the containers'
 * network namespaces ({@code nsenter --net=/proc/<pid>/ns/net}): the packets take the containers'
 * own paths, the busybox image needs no iperf3. Paths, h1 to h2:
 * <ul>
 *   <li>crossnet: containers on a {@code -d crossnet} network ({@code cnbr/cnvx}, VNI 4096, port 4789);
 *   <li>--bip: default-bridge containers of a dockerd started with the agent's docker options
 *       ({@code docker0} in the leased subnet, routed over the lab's flannel-style vxlan backend);
 *   <li>underlay: host namespace to host namespace.
 * </ul>
 * For the {@code --bip} flow each lab dockerd is restarted once, on the same state, with
 * {@code DOCKER_NETWORK_OPTIONS} and {@code --iptables=true} added, so one daemon per host serves
 * both flows as on a real host.
 *
 * <p>Timings, from this process's clock: (1) {@code docker run -d --name nameN} on h2 until a
 * container on h1 pings it by name (a {@code ping} loop inside that container, started before the
 * run); (2) {@code network create} on h1, then the first container on h1 and on h2, until the h1
 * one pings the h2 one by name.
 *
 * <pre>
 * mvn -q -o test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp target/classes:target/test-classes:$(cat target/cp.txt) dev.crossnet.docker.DockerBenchmark
 * </pre>
 */
public final class DockerBenchmark {
    static final int RUNS = 3;
    static final int SECONDS = 5;
    static final int NAME_RUNS = 5;
    private static final Duration CMD = Duration.ofSeconds(60);
    private static final Pattern BPS = Pattern.compile("\"sum_received\"\\s*:\\s*\\{[^}]*?\"bits_per_second\"\\s*:\\s*([0-9.e+]+)");

    public static void main(String[] args) throws Exception {
        try (DockerLab d = new DockerLab("cnd4", 2)) {
            try {
                run(d);
            } catch (Throwable t) {
                d.dump();
                throw t;
            }
        }
    }

    private static void run(DockerLab d) throws Exception {
        restartWithBip(d);
        d.docker("h1", "network", "create", "-d", "crossnet", "--ipam-driver", "crossnet", "--subnet", "192.168.100.0/24",
                "--gateway", "192.168.100.1", "--attachable", "my-overlay");
        d.awaitNetwork("h2", "my-overlay");
        for (String h : List.of("h1", "h2")) {
            d.run(h, "my-overlay", "o" + h);
            d.docker(h, "run", "-d", "--name", "b" + h, "busybox", "sleep", "3600");
        }
        // server netns, server address, client netns, per path
        Map<String, String[]> paths = new LinkedHashMap<>();
        paths.put("crossnet network", new String[] {containerNs(d, "h2", "oh2"), d.ip("h2", "oh2"), containerNs(d, "h1", "oh1")});
        paths.put("--bip flow", new String[] {containerNs(d, "h2", "bh2"), bridgeIp(d, "h2", "bh2"), containerNs(d, "h1", "bh1")});
        paths.put("raw underlay", new String[] {hostNs(d, "h2"), d.lab.ip("h2"), hostNs(d, "h1")});
        List<Process> servers = new ArrayList<>();
        try {
            for (String[] p : paths.values()) {
                servers.add(new ProcessBuilder("nsenter", "--net=" + p[0], "iperf3", "-s", "-B", p[1])
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
            }
            Map<String, double[]> gbps = new LinkedHashMap<>();
            paths.keySet().forEach(k -> gbps.put(k, new double[RUNS]));
            for (int r = 0; r < RUNS; r++) {
                for (Map.Entry<String, String[]> p : paths.entrySet()) {
                    gbps.get(p.getKey())[r] = iperf(p.getValue()[2], p.getValue()[1]);
                    System.out.printf("  round %d %-16s %.2f Gbit/s%n", r + 1, p.getKey(), gbps.get(p.getKey())[r]);
                }
            }
            double raw = Stats.of(gbps.get("raw underlay")).median();
            System.out.printf("%n| path | min | median | max | median / raw underlay |%n|---|---|---|---|---|%n");
            for (Map.Entry<String, double[]> e : gbps.entrySet()) {
                Stats s = Stats.of(e.getValue());
                System.out.printf("| %s | %.2f | %.2f | %.2f | %.2f |%n", e.getKey(), s.min(), s.median(), s.max(), s.median() / raw);
            }
        } finally {
            servers.forEach(Process::destroy);
        }
        nameLatency(d);
        createToPing(d);
    }

    /** (1): docker run on h2 until oh1 on h1 pings the new container by name. */
    private static void nameLatency(DockerLab d) throws Exception {
        double[] fromStart = new double[NAME_RUNS];
        double[] fromReturn = new double[NAME_RUNS];
        for (int i = 0; i < NAME_RUNS; i++) {
            String name = "late" + i;
            Process loop = pingLoop(d, "h1", "oh1", name);
            d.awaitExecRunning("h1", "oh1", name);
            long t0 = System.nanoTime();
            d.run("h2", "my-overlay", name);
            long returned = System.nanoTime();
            awaitExit(loop, name);
            long done = System.nanoTime();
            fromStart[i] = (done - t0) / 1e9;
            fromReturn[i] = (done - returned) / 1e9;
        }
        System.out.printf("%ndocker run on h2 -> container on h1 pings it by name (%d runs): %s; after docker run returned: %s%n",
                NAME_RUNS, Stats.of(fromStart).format("s"), Stats.of(fromReturn).format("s"));
    }

    /** (2): network create + first container on each host until ping by name. */
    private static void createToPing(DockerLab d) throws Exception {
        double[] total = new double[RUNS];
        for (int i = 0; i < RUNS; i++) {
            String net = "bench" + i;
            long t0 = System.nanoTime();
            d.docker("h1", "network", "create", "-d", "crossnet", "--ipam-driver", "crossnet", "--subnet", "192.168." + (10 + i) + ".0/24",
                    "--attachable", net);
            d.run("h1", net, "x" + i);
            d.awaitNetwork("h2", net);
            d.run("h2", net, "y" + i);
            d.docker("h1", "exec", "x" + i, "sh", "-c", "until ping -c1 -W1 y" + i + " >/dev/null 2>&1; do :; done");
            total[i] = (System.nanoTime() - t0) / 1e9;
            d.docker("h1", "rm", "-f", "x" + i);
            d.docker("h2", "rm", "-f", "y" + i);
            d.docker("h1", "network", "rm", net);
        }
        System.out.printf("network create + first container on h1 and h2 -> ping by name (%d runs): %s%n", RUNS,
                Stats.of(total).format("s"));
    }

    private static Process pingLoop(DockerLab d, String host, String container, String target) throws Exception {
        List<String> argv = new ArrayList<>(List.of(DockerDaemon.DOCKER, "-H", "unix://" + d.lab.dir().resolve(host + "/docker/docker.sock"),
                "exec", container, "sh", "-c", "until ping -c1 -W1 " + target + " >/dev/null 2>&1; do :; done"));
        return new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static void awaitExit(Process p, String what) throws InterruptedException {
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(what + ": not pinged by name within 30 s");
        }
    }

    /** Gbit/s received by the server, one stream for {@value #SECONDS} s; retries while the server starts. */
    private static double iperf(String clientNs, String server) {
        Exec.Result r = null;
        for (int attempt = 0; attempt < 20; attempt++) {
            r = Exec.run(Duration.ofSeconds(SECONDS + 20), "nsenter", "--net=" + clientNs, "iperf3", "-c", server, "-t",
                    Integer.toString(SECONDS), "-P", "1", "-J");
            Matcher m = BPS.matcher(r.stdout());
            if (r.ok() && m.find()) {
                return Double.parseDouble(m.group(1)) / 1e9;
            }
            Exec.run(Duration.ofSeconds(2), "sleep", "0.2"); // the server is still binding
        }
        throw new IllegalStateException("iperf3 to " + server + " failed: " + r.stdout() + r.stderr());
    }

    private static String containerNs(DockerLab d, String host, String container) {
        return "/proc/" + d.docker(host, "inspect", "-f", "{{.State.Pid}}", container) + "/ns/net";
    }

    private static String hostNs(DockerLab d, String host) {
        return "/var/run/netns/" + d.lab.host(host).netns();
    }

    private static String bridgeIp(DockerLab d, String host, String container) {
        return d.docker(host, "inspect", "-f", "{{.NetworkSettings.IPAddress}}", container);
    }

    /**
     * Restarts each host's dockerd on its state with the agent's docker options added (seed 001's
     * flannel flow). The lab's container bridge {@code cn0} holds the leased subnet; docker0 takes it.
     */
    private static void restartWithBip(DockerLab d) {
        for (String h : List.of("h1", "h2")) {
            Path dir = d.lab.dir().resolve(h).resolve("docker");
            DockerLab.stopDaemon(dir);
            Map<String, String> opts = SubnetEnv.readVars(d.lab.dir().resolve(h).resolve("docker.env"));
            List<String> args = new ArrayList<>(List.of("--authorization-plugin=crossnet", "--dns", d.lab.ip(h), "--iptables=true"));
            args.addAll(List.of(opts.get("DOCKER_NETWORK_OPTIONS").trim().split("\\s+")));
            Exec.run(CMD, "ip", "-n", d.lab.host(h).netns(), "link", "del", "cn0");
            DockerDaemon.start(d.lab.host(h).netns(), dir, CMD, args.toArray(String[]::new));
        }
    }
}

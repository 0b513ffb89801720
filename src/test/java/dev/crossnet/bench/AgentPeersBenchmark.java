package dev.crossnet.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crossnet.lab.Lab;
import dev.crossnet.lab.LabNames;
import dev.crossnet.lab.LabOptions;
import dev.crossnet.lab.LabState.HostState;
import dev.crossnet.lease.LeaseRegistry;
import dev.crossnet.model.Lease;
import dev.crossnet.model.LeaseAttrs;
import dev.crossnet.model.Subnet;
import dev.crossnet.store.Store;
import dev.crossnet.store.StoreSpec;
import dev.crossnet.store.Stores;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

/**
 * Issue 10's scale benchmark: one agent (vxlan backend, a 1-host lab) and {@code N} (default 1000)
 * simulated peers whose leases are written straight to the store, on each store (embedded, etcd).
 * Prints, never asserts. Needs root; about a minute per store.
 *
 * <p>Figures, per store:
 * <ul>
 *   <li>from the last lease written (and from the first) until the agent's host holds a crossnet
 *       route for every peer ({@code ip route show proto 152}, read every 20 ms);</li>
 *   <li>the agent's resident memory ({@code VmRSS}) once settled;</li>
 *   <li>the agent's CPU while idle with N peers: utime + stime from {@code /proc} over 20 s,
 *       across its periodic resyncs.</li>
 * </ul>
 * The leases are written by a child JVM started in the lab's underlay namespace (the lab's etcd
 * listens there), with 8 threads; it prints the wall-clock instants of its first and last write,
 * which this process compares with its own wall-clock reads on the same machine.
 *
 * <pre>
 * mvn -q -o package -DskipTests &amp;&amp; mvn -q -o test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp target/classes:target/test-classes:$(cat target/cp.txt) dev.crossnet.bench.AgentPeersBenchmark [N [embedded|etcd]]
 * </pre>
 */
public final class AgentPeersBenchmark {
    private static final long CLOCK_TICKS_PER_SECOND = 100; // USER_HZ
    private static final Duration IDLE_WINDOW = Duration.ofSeconds(20);
    private static final Duration LIMIT = Duration.ofMinutes(5);

    private AgentPeersBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--write")) {
            write(args[1], Integer.parseInt(args[2]));
            return;
        }
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        System.out.println("agent with " + n + " peers, load average before: " + DataPlaneBench.loadAverage());
        for (LabOptions.StoreKind kind : LabOptions.StoreKind.values()) {
            // The cluster store is etcd with mutual TLS, which the lease writer cannot open: name it to run it.
            if (args.length < 2 ? kind != LabOptions.StoreKind.CLUSTER : kind.name().equalsIgnoreCase(args[1])) {
                once(kind, n);
            }
        }
        System.out.println("load average after: " + DataPlaneBench.loadAverage());
    }

    private static void once(LabOptions.StoreKind kind, int n) throws Exception {
        String name = "cnp" + UUID.randomUUID().toString().replace("-", "").substring(0, 6);
        try (Lab lab = Lab.up(LabOptions.defaults().withName(name).withHosts(1).withContainersPerHost(0)
                .withStore(kind).withNetwork("10.0.0.0/8"))) {
            HostState h = lab.state().hosts().get(0);
            String ns = lab.nsOf(h.name());
            List<String> cmd = new ArrayList<>(List.of("nsenter", "--net=/var/run/netns/" + writerNs(lab), "java", "-cp",
                    System.getProperty("java.class.path"), AgentPeersBenchmark.class.getName(), "--write", lab.state().store(),
                    String.valueOf(n)));
            Process writer = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(writer.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (writer.waitFor() != 0) {
                throw new IllegalStateException("lease writer failed:\n" + out);
            }
            Instant first = instant(out, "first ");
            Instant last = instant(out, "last ");
            Instant done = null;
            Instant deadline = Instant.now().plus(LIMIT);
            while (done == null) {
                if (routes(ns) >= n) {
                    done = Instant.now();
                } else if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("only " + routes(ns) + " of " + n + " routes after " + LIMIT);
                } else {
                    Thread.sleep(20);
                }
            }
            long pid = lab.state().hosts().get(0).agentPid();
            System.out.println("all routes there; agent pid " + pid + " (lab " + name + ")");
            // Settle: the first resync after the burst (-Dbench.settle=SECONDS: also the collections that follow it).
            Thread.sleep(Long.getLong("bench.settle", 5) * 1000);
            long rssKb = status(pid, "VmRSS:");
            long threads = status(pid, "Threads:");
            long t0 = cpuTicks(pid);
            Map<String, Long> perThread0 = threadTicks(pid);
            Thread.sleep(IDLE_WINDOW.toMillis());
            long t1 = cpuTicks(pid);
            Map<String, Long> perThread1 = threadTicks(pid);
            if (Boolean.getBoolean("bench.nmt")) { // the agent must run with -XX:NativeMemoryTracking=summary (CROSSNET_JAVA_OPTS)
                for (String c : new String[] {"VM.native_memory summary", "GC.heap_info", "GC.class_histogram", "Thread.print"}) {
                    List<String> jc = new ArrayList<>(List.of("jcmd", String.valueOf(pid)));
                    jc.addAll(List.of(c.split(" ")));
                    Process j = new ProcessBuilder(jc).redirectErrorStream(true).start();
                    System.out.println(new String(j.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                    j.waitFor();
                }
                System.out.println(Files.readString(Path.of("/proc/" + pid + "/smaps_rollup")));
            }
            String dump = System.getProperty("bench.heapdump"); // a file for the agent's live objects (jcmd GC.heap_dump)
            if (dump != null) {
                Process j = new ProcessBuilder("jcmd", String.valueOf(pid), "GC.heap_dump", Path.of(dump).toAbsolutePath().toString())
                        .redirectErrorStream(true).start();
                System.out.println(new String(j.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                j.waitFor();
            }
            double idle = (t1 - t0) / (double) CLOCK_TICKS_PER_SECOND / IDLE_WINDOW.toSeconds() * 100;
            System.out.printf(Locale.ROOT, "%s store: %d leases written in %.3f s; all %d routes %.3f s after the last write"
                            + " (%.3f s after the first); agent RSS %.1f MiB, %d threads; idle CPU %.2f %% of a CPU over %d s%n",
                    kind.name().toLowerCase(Locale.ROOT), n, Duration.between(first, last).toMillis() / 1000.0, n,
                    Duration.between(last, done).toMillis() / 1000.0, Duration.between(first, done).toMillis() / 1000.0,
                    rssKb / 1024.0, threads, idle, IDLE_WINDOW.toSeconds());
            StringBuilder by = new StringBuilder("  idle CPU by thread (% of a CPU):");
            perThread1.entrySet().stream()
                    .map(e -> Map.entry(e.getKey(), e.getValue() - perThread0.getOrDefault(e.getKey(), 0L)))
                    .filter(e -> e.getValue() > 0).sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .forEach(e -> by.append(String.format(Locale.ROOT, " %s %.2f;", e.getKey(),
                            e.getValue() / (double) CLOCK_TICKS_PER_SECOND / IDLE_WINDOW.toSeconds() * 100)));
            System.out.println(by);
        }
    }

    /** The namespace the writer runs in: the lab's underlay, where its etcd listens. */
    private static String writerNs(Lab lab) {
        return new LabNames(lab.name()).underlayNs();
    }

    /**
     * The child: writes {@code n} vxlan leases with distinct PublicIPs and VtepMACs, on subnets no
     * lease holds yet (the agent's own lease lies anywhere in the Network, so the candidates that
     * collide with an existing lease are skipped, not tried and failed).
     */
    private static void write(String storeSpec, int n) throws Exception {
        try (Store store = Stores.open(StoreSpec.parse("--store", storeSpec, Duration.ofSeconds(30)))) {
            LeaseRegistry reg = new LeaseRegistry(store, Lab.PREFIX);
            Set<Subnet> taken = reg.leases().leases().stream().map(Lease::subnet).collect(Collectors.toSet());
            List<Subnet> subnets = new ArrayList<>();
            for (int k = 1; subnets.size() < n; k++) {
                Subnet s = Subnet.parse("10." + (100 + k / 256) + "." + (k % 256) + ".0/24");
                if (!taken.contains(s)) {
                    subnets.add(s);
                }
            }
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<?>> futures = new ArrayList<>();
                Instant first = Instant.now();
                for (int i = 0; i < n; i++) {
                    int k = i + 1;
                    Subnet s = subnets.get(i);
                    futures.add(pool.submit(() -> {
                        ObjectNode data = JsonNodeFactory.instance.objectNode();
                        data.put("VNI", 1);
                        data.put("VtepMAC", String.format("0a:cb:00:00:%02x:%02x", k / 256, k % 256));
                        String ip = "100.64." + (k / 256) + "." + (k % 256 == 0 ? 250 : k % 256);
                        reg.create(s, new LeaseAttrs(ip, "vxlan", data), Duration.ofHours(1))
                                .orElseThrow(() -> new IllegalStateException(s + " was taken"));
                    }));
                }
                for (Future<?> f : futures) {
                    f.get();
                }
                Instant last = Instant.now();
                System.out.println("first " + first);
                System.out.println("last " + last);
            } finally {
                pool.shutdownNow(); // also on failure: its non-daemon threads would keep this JVM (and the benchmark) waiting
            }
        }
    }

    private static Instant instant(String out, String tag) {
        return out.lines().filter(l -> l.startsWith(tag)).map(l -> Instant.parse(l.substring(tag.length()).strip()))
                .findFirst().orElseThrow(() -> new IllegalStateException("no '" + tag + "' line in:\n" + out));
    }

    private static int routes(String ns) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ip", "-n", ns, "route", "show", "proto", "152").redirectErrorStream(true).start();
        long count = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().count();
        p.waitFor();
        return (int) count;
    }

    /** The number in the line of {@code /proc/<pid>/status} that starts with {@code field} (VmRSS in kB, Threads). */
    private static long status(long pid, String field) throws IOException {
        return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith(field))
                .map(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst().orElse(-1L);
    }

    private static long cpuTicks(long pid) throws IOException {
        return ticks(Files.readString(Path.of("/proc/" + pid + "/stat")));
    }

    /** utime + stime of a {@code /proc/.../stat} line (fields 14 and 15). */
    private static long ticks(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** CPU ticks of the process's threads, summed by thread name (the kernel's 15-character {@code comm}). */
    private static Map<String, Long> threadTicks(long pid) throws IOException {
        Map<String, Long> out = new TreeMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : tasks) {
                try {
                    String stat = Files.readString(t.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    out.merge(name, ticks(stat), Long::sum);
                } catch (IOException gone) {
                    // the thread ended meanwhile
                }
            }
        }
        return out;
    }
}

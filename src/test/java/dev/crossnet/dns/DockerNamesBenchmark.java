package dev.crossnet.dns;

import dev.crossnet.docker.MacvlanHosts;
import dev.crossnet.bench.Stats;
import dev.crossnet.docker.lab.DockerDaemon;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How fast a new container's name resolves on another host (issue 4's target: 100 ms after
 * {@code docker run} returns; Swarm: 0.67 s), and how long "network create, one container on each
 * of 2 hosts, ping by name" takes end to end (Swarm: 2.39 s). Two namespaced hosts from
 * {@link MacvlanHosts}: real dockerds, macvlan + crossnet IPAM, {@code crossnet dns serve}. Needs root.
 *
 * <p>Name latency, per run: on h1, container c1 loops {@code nslookup benchN} (each try goes
 * through Docker's embedded DNS to crossnet's); on h2, {@code docker run -d --name benchN} runs;
 * the time is from that command returning (wall clock, in this process) to the loop's first
 * success (wall clock read in c1 with busybox {@code adjtimex}, one kernel so one clock).
 *
 * <pre>
 * mvn -q -o test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp target/classes:target/test-classes:$(cat target/cp.txt) dev.crossnet.dns.DockerNamesBenchmark 10
 * </pre>
 */
public final class DockerNamesBenchmark {
    private static final Pattern SEC = Pattern.compile("tv_sec:\\s+(\\d+)");
    private static final Pattern USEC = Pattern.compile("tv_usec:\\s+(\\d+)");

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        try (MacvlanHosts hosts = new MacvlanHosts(2)) {
            DockerDaemon h1 = hosts.docker(1);
            DockerDaemon h2 = hosts.docker(2);

            long t0 = System.nanoTime();
            hosts.createNetwork();
            DockerNamesIT.run(h1, "c1");
            DockerNamesIT.run(h2, "c2");
            long started = System.nanoTime();
            h1.docker(Duration.ofSeconds(60), "exec", "c1", "sh", "-c", "until ping -c1 -W1 c2 >/dev/null 2>&1; do :; done").orThrow();
            double endToEnd = (System.nanoTime() - t0) / 1e9;
            System.out.printf("network create on 2 hosts + first container on each -> c1 pings c2 by name: %.2f s"
                    + " (of which docker network create/run: %.2f s, then until the ping by name succeeded: %.2f s)%n",
                    endToEnd, (started - t0) / 1e9, (System.nanoTime() - started) / 1e9);

            List<Double> ms = new ArrayList<>();
            for (int i = 1; i <= runs; i++) {
                String name = "bench" + i;
                Process loop = new ProcessBuilder(DockerDaemon.DOCKER, "-H", "unix://" + h1.socket(), "exec", "c1", "sh", "-c",
                        "until nslookup " + name + " >/dev/null 2>&1; do :; done; adjtimex").redirectErrorStream(true).start();
                Thread.sleep(300); // let the loop spin: only then does the clock below start
                DockerNamesIT.run(h2, name);
                long returnedMicros = nowMicros();
                if (!loop.waitFor(30, TimeUnit.SECONDS)) {
                    loop.destroyForcibly();
                    throw new IllegalStateException(name + " did not resolve on h1 within 30 s");
                }
                String out = new String(loop.getInputStream().readAllBytes());
                double latency = (resolvedMicros(out) - returnedMicros) / 1000.0;
                ms.add(latency);
                System.out.printf("run %2d: %s resolves on h1 %.1f ms after docker run returned on h2%n", i, name, latency);
            }
            System.out.println("name latency: " + Stats.of(ms.stream().mapToDouble(Double::doubleValue).toArray()).format("ms"));
        }
    }

    private static long nowMicros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }

    private static long resolvedMicros(String adjtimex) {
        Matcher s = SEC.matcher(adjtimex);
        Matcher u = USEC.matcher(adjtimex);
        if (!s.find() || !u.find()) {
            throw new IllegalStateException("no time in adjtimex output: " + adjtimex);
        }
        return Long.parseLong(s.group(1)) * 1_000_000L + Long.parseLong(u.group(1));
    }
}

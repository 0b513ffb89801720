package dev.crossnet.docker;

import dev.crossnet.bench.Stats;
import dev.crossnet.docker.engine.UnixSocketEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;

/**
 * Issue 10's benchmark: how long after {@code docker network create} on h1 the network is in h2's
 * dockerd, on one 2-host lab ({@code lab up --docker}, embedded store). Needs root; about a minute.
 *
 * <p>Each round creates a network on h1 with the docker CLI, then asks h2's dockerd over its Engine
 * API socket, every millisecond, until the network is there. Two figures per round, from this
 * process's clock: from the moment the CLI returned on h1 (what a user sees), and from the moment
 * it was started (includes dockerd and the plugin on h1). The path: h1's driver writes the network
 * record, h1's dockerd emits {@code network create}, h1's sync publishes the record, h2's store watch
 * wakes h2's sync, which creates it in h2's dockerd. After the rounds it prints when each agent logged
 * its hop, per round (with {@code CROSSNET_LOG_LEVEL=DEBUG} in its environment, which the lab's agents
 * inherit, also the hops on h2 in between).
 *
 * <pre>
 * mvn -q -o test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp target/classes:target/test-classes:$(cat target/cp.txt) dev.crossnet.docker.NetworkVisibleBenchmark [ROUNDS]
 * </pre>
 */
public final class NetworkVisibleBenchmark {
    private static final long LIMIT_NANOS = 60_000_000_000L;

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        try (DockerLab d = new DockerLab("cnv", 2)) {
            try {
                run(d, rounds);
            } catch (Throwable t) {
                d.dump();
                throw t;
            }
        }
    }

    private static void run(DockerLab d, int rounds) throws InterruptedException {
        Path h2Socket = d.lab.dir().resolve("h2").resolve("docker").resolve("docker.sock");
        UnixSocketEngine h2 = new UnixSocketEngine(h2Socket);
        List<Double> fromReturn = new ArrayList<>();
        List<Double> fromStart = new ArrayList<>();
        List<LocalTime> starts = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            String name = "visible" + i;
            long start = System.nanoTime();
            starts.add(LocalTime.now());
            d.docker("h1", "network", "create", "-d", "crossnet", "--ipam-driver", "crossnet",
                    "--subnet", "192.168." + (150 + i) + ".0/24", name);
            long returned = System.nanoTime();
            while (h2.network(name).isEmpty()) {
                if (System.nanoTime() - returned > LIMIT_NANOS) {
                    throw new IllegalStateException(name + " never appeared on h2");
                }
                Thread.sleep(1);
            }
            long seen = System.nanoTime();
            fromReturn.add((seen - returned) / 1e9);
            fromStart.add((seen - start) / 1e9);
            System.out.printf("round %d: on h2 %.3f s after create returned on h1 (%.3f s after it started)%n",
                    i + 1, (seen - returned) / 1e9, (seen - start) / 1e9);
        }
        Stats r = Stats.of(fromReturn.stream().mapToDouble(Double::doubleValue).toArray());
        Stats s = Stats.of(fromStart.stream().mapToDouble(Double::doubleValue).toArray());
        System.out.printf("network visible on h2, %d rounds: after create returned on h1 median %.3f s (min %.3f, max %.3f);"
                + " after create started median %.3f s%n", rounds, r.median(), r.min(), r.max(), s.median());
        hops(d.lab.dir(), starts);
        for (int i = 0; i < rounds; i++) {
            d.tryDocker("h1", "network", "rm", "visible" + i);
        }
    }

    /**
     * Per round, when each agent logged its part, in ms after the round started: h1's driver made
     * the record (dockerd and the plugin on h1), h1's sync published it (h1's event stream and pass),
     * h2's driver was asked by h2's dockerd (h2's watch, pass and dockerd), h2's sync saw dockerd's
     * answer. From the agents' logs, whose clock is this machine's.
     */
    private static void hops(Path labDir, List<LocalTime> starts) {
        List<String> h1 = lines(labDir.resolve("h1").resolve("agent.log"));
        List<String> h2 = lines(labDir.resolve("h2").resolve("agent.log"));
        System.out.println("round: ms after create started: h1 driver record / h1 published / h2 driver asked / h2 created");
        for (int i = 0; i < starts.size(); i++) {
            String name = "visible" + i;
            LocalTime s = starts.get(i);
            System.out.printf("round %d: %s / %s / %s / %s%n", i + 1,
                    ms(s, at(h1, s, "created crossnet network ", " 192.168." + (150 + i) + ".0/24 ")),
                    ms(s, at(h1, s, "published network " + name + " ", "")),
                    ms(s, at(h2, s, "is crossnet network " + name + " ", "")),
                    ms(s, at(h2, s, "created network " + name + " here", "")));
            // With CROSSNET_LOG_LEVEL=DEBUG the agents log the hops on h2 in between.
            LocalTime published = at(h1, s, "published network " + name + " ", "");
            if (published != null && at(h2, published, "store watch: a network changed", "") != null) {
                LocalTime watch = at(h2, published, "store watch: a network changed", "");
                LocalTime creating = at(h2, published, "creating network " + name + " in dockerd", "");
                LocalTime pool = creating == null ? null : at(h2, creating, "/IpamDriver.RequestPool answered", "");
                LocalTime driver = creating == null ? null : at(h2, creating, "/NetworkDriver.CreateNetwork answered", "");
                System.out.printf("  h2, ms after h1 published: watch woke the sync %s / sync asks dockerd %s / IPAM RequestPool"
                        + " answered %s / CreateNetwork answered %s%n", ms(published, watch), ms(published, creating),
                        ms(published, pool), ms(published, driver));
            }
        }
    }

    private static String ms(LocalTime from, LocalTime to) {
        return to == null ? "-" : String.valueOf(Duration.between(from, to).toMillis());
    }

    /** The time of the first line at or after {@code from} that holds both strings, or null. */
    private static LocalTime at(List<String> log, LocalTime from, String what, String also) {
        for (String l : log) {
            if (l.contains(what) && l.contains(also) && l.length() > 12) {
                try {
                    LocalTime t = LocalTime.parse(l.substring(0, 12));
                    if (!t.isBefore(from.withNano(from.getNano() / 1_000_000 * 1_000_000))) {
                        return t;
                    }
                } catch (RuntimeException e) {
                    // not a time stamp
                }
            }
        }
        return null;
    }

    private static List<String> lines(Path p) {
        try {
            return Files.readAllLines(p);
        } catch (IOException e) {
            return List.of();
        }
    }
}

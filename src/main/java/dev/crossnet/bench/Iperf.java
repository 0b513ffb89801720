package dev.crossnet.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crossnet.CrossnetException;
import dev.crossnet.lab.Lab;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One bounded iperf3 TCP test between two network namespaces (of a lab, or of Docker containers): a one-shot server ({@code -s -1})
 * and a client with {@code -J}, so the result is parsed, not scraped. For the data-plane benchmark
 * and the lab's integration tests. Blocking; every process it starts stops by itself (iperf3's own
 * {@code -t}/{@code -n} bound) or is killed after a timeout.
 */
public final class Iperf {
    public static final int PORT = 5201;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration SERVER_START = Duration.ofSeconds(10);

    /**
     * What the client reported.
     *
     * @param bytesSent       sender's total
     * @param bytesReceived   receiver's total
     * @param bitsPerSecond   receiver's average rate
     * @param retransmits     TCP retransmits on the sender
     * @param intervalBytes   bytes sent in each reporting interval (1 s by default)
     */
    public record Result(long bytesSent, long bytesReceived, double bitsPerSecond, long retransmits, List<Long> intervalBytes) {
    }

    /** A client that is running; {@link #await} collects it. */
    public static final class Session {
        private final Process server;
        private final Process client;
        private final CompletableFuture<String> out;
        private final CompletableFuture<String> err;
        private final Duration limit;

        private Session(Process server, Process client, Duration limit) {
            this.server = server;
            this.client = client;
            this.limit = limit;
            this.out = CompletableFuture.supplyAsync(() -> drain(client.getInputStream()));
            this.err = CompletableFuture.supplyAsync(() -> drain(client.getErrorStream()));
        }

        public boolean isRunning() {
            return client.isAlive();
        }

        /**
         * Waits for the client to finish and parses its report.
         *
         * @throws CrossnetException if iperf3 failed (connection reset, refused…) or overran its limit
         */
        public Result await() {
            try {
                if (!client.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new CrossnetException("iperf3 client still running after " + limit.toSeconds() + "s");
                }
                server.waitFor(5, TimeUnit.SECONDS);
                return parse(out.join(), err.join());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CrossnetException("interrupted waiting for iperf3");
            } finally {
                client.destroyForcibly();
                server.destroyForcibly();
            }
        }
    }

    private Iperf() {
    }

    /**
     * Where one end of a test runs: a namespace of the lab ({@link #in}) or any network namespace
     * given by a file ({@link #inNetns}), e.g. a Docker container's {@code /proc/PID/ns/net}.
     */
    public interface Place {
        /** Starts {@code cmd} in this place's network namespace and returns at once. */
        Process spawn(String... cmd);
    }

    /** The namespace of host or container {@code name} of {@code lab}. */
    public static Place in(Lab lab, String name) {
        return cmd -> lab.spawn(name, cmd);
    }

    /** The network namespace {@code nsFile} (entered with {@code nsenter --net=}). */
    public static Place inNetns(String nsFile) {
        return cmd -> {
            List<String> argv = new ArrayList<>(List.of("nsenter", "--net=" + nsFile, "--"));
            argv.addAll(List.of(cmd));
            try {
                return new ProcessBuilder(argv).start();
            } catch (IOException e) {
                throw new CrossnetException("cannot run nsenter: " + e.getMessage(), e);
            }
        };
    }

    /**
     * Starts a one-shot server in {@code server} and, once it listens, a client in {@code client}
     * towards {@code serverIp}; returns while the client runs.
     *
     * @param clientArgs the bound and options, e.g. {@code -t 5} or {@code -n 4M}; {@code -J} is added
     * @param limit      how long the client may take before it is killed
     */
    public static Session start(Lab lab, String server, String client, String serverIp, List<String> clientArgs, Duration limit) {
        return start(in(lab, server), in(lab, client), serverIp, clientArgs, limit);
    }

    /** {@link #start(Lab, String, String, String, List, Duration)} between any two places. */
    public static Session start(Place server, Place client, String serverIp, List<String> clientArgs, Duration limit) {
        Process s = server.spawn("iperf3", "-s", "-1", "-p", Integer.toString(PORT));
        long deadline = System.nanoTime() + SERVER_START.toNanos();
        while (!listening(server)) {
            if (!s.isAlive() || System.nanoTime() > deadline) {
                s.destroyForcibly();
                throw new CrossnetException("iperf3 server did not listen on " + PORT + ": "
                        + (s.isAlive() ? "timeout" : drain(s.getErrorStream())));
            }
            pause();
        }
        List<String> cmd = new ArrayList<>(List.of("iperf3", "-c", serverIp, "-p", Integer.toString(PORT), "-J"));
        cmd.addAll(clientArgs);
        return new Session(s, client.spawn(cmd.toArray(String[]::new)), limit);
    }

    /** {@link #start} and {@link Session#await} in one. */
    public static Result run(Lab lab, String server, String client, String serverIp, List<String> clientArgs, Duration limit) {
        return start(lab, server, client, serverIp, clientArgs, limit).await();
    }

    /** {@link #start(Place, Place, String, List, Duration)} and {@link Session#await} in one. */
    public static Result run(Place server, Place client, String serverIp, List<String> clientArgs, Duration limit) {
        return start(server, client, serverIp, clientArgs, limit).await();
    }

    private static boolean listening(Place p) {
        Process ss = p.spawn("ss", "-Hltn", "sport = :" + PORT);
        try {
            String out = drain(ss.getInputStream());
            if (!ss.waitFor(30, TimeUnit.SECONDS)) {
                ss.destroyForcibly();
                return false;
            }
            return out.contains(":" + PORT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ss.destroyForcibly();
            throw new CrossnetException("interrupted");
        }
    }

    static Result parse(String json, String stderr) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new CrossnetException("iperf3 printed no JSON (" + e.getMessage() + "); stderr: " + stderr.strip());
        }
        if (root == null || root.hasNonNull("error")) {
            throw new CrossnetException("iperf3 failed: " + (root == null ? stderr.strip() : root.get("error").asText()));
        }
        JsonNode sent = root.path("end").path("sum_sent");
        JsonNode recv = root.path("end").path("sum_received");
        List<Long> intervals = new ArrayList<>();
        for (JsonNode i : root.path("intervals")) {
            intervals.add(i.path("sum").path("bytes").asLong());
        }
        return new Result(sent.path("bytes").asLong(), recv.path("bytes").asLong(), recv.path("bits_per_second").asDouble(),
                sent.path("retransmits").asLong(), intervals);
    }

    private static String drain(InputStream s) {
        try (s) {
            return new String(s.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static void pause() {
        try {
            Thread.sleep(50); // polling another process's socket: nothing to wait on
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CrossnetException("interrupted");
        }
    }
}

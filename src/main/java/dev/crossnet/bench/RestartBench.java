package dev.crossnet.bench;

import dev.crossnet.CrossnetException;
import dev.crossnet.lab.Lab;
import dev.crossnet.lab.LabOptions;
import dev.crossnet.model.BackendConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Traffic across an agent restart: on a 2-host lab, h1-c1 pings h2-c1 every 10 ms while h2's
 * agent is stopped and started again. Reports how long the restart took (stop until the lab sees
 * the new agent answer {@code /readyz}), the longest gap between two replies, the replies lost, and
 * when traffic came back relative to the agent being ready. vxlan and host-gw keep their kernel
 * state across a restart, so their traffic should not notice; udp's datapath lives in the agent.
 * Every time here is the system clock of this one machine (ping's {@code -D} timestamps and this
 * process's {@link Instant#now}). Blocking; one lab at a time, removed afterwards; the ping is
 * bounded by {@code -w}.
 */
public final class RestartBench {
    /** {@code [1732712345.123456] 64 bytes from 10.5.2.2: icmp_seq=12 ttl=62 time=0.1 ms}. */
    private static final Pattern REPLY = Pattern.compile("^\\[(\\d+)\\.(\\d{6})\\].*icmp_seq=(\\d+) ");
    private static final int PING_DEADLINE_S = 300;

    private final String labName;
    private final PrintStream out;
    private final Consumer<String> progress;

    /**
     * One restart. Times in seconds; {@code resumedAfterReady} is from the lab seeing the agent
     * ready to the first reply after the longest gap (negative: traffic came back first).
     */
    public record Result(String backend, double restart, double longestGap, int lost, int sent, double resumedAfterReady) {
    }

    public RestartBench(String labName, PrintStream out, Consumer<String> progress) {
        this.labName = labName;
        this.out = out;
        this.progress = progress;
    }

    public List<Result> run(List<BackendConfig.Type> backends) {
        List<Result> results = new ArrayList<>();
        for (BackendConfig.Type t : backends) {
            results.add(once(t));
        }
        out.println();
        out.println("| backend | agent stop → restarted agent ready s | longest gap between replies s | lost / sent (100/s) | ready → traffic back s |");
        out.println("|---|---|---|---|---|");
        for (Result r : results) {
            out.printf(Locale.ROOT, "| %s | %.3f | %.3f | %d / %d | %.3f |%n", r.backend(), r.restart(), r.longestGap(), r.lost(), r.sent(),
                    r.resumedAfterReady());
        }
        return results;
    }

    private Result once(BackendConfig.Type backend) {
        progress.accept("restart: lab " + labName + " with the " + backend.wire() + " backend");
        LabOptions o = LabOptions.defaults().withName(labName).withHosts(2).withContainersPerHost(1).withBackend(backend)
                .withProgress(progress);
        try (Lab lab = Lab.up(o)) {
            String ip = lab.ip("h2-c1");
            awaitPing(lab, ip);
            // stdbuf: ping writes through stdio, which a pipe would buffer until it exits.
            Process ping = lab.spawn("h1-c1", "stdbuf", "-oL", "ping", "-D", "-n", "-i", "0.01", "-W", "1",
                    "-w", Integer.toString(PING_DEADLINE_S), ip);
            List<String> lines = new CopyOnWriteArrayList<>();
            Thread reader = new Thread(() -> readLines(ping, lines), "restart-bench-ping");
            reader.setDaemon(true);
            reader.start();
            try {
                pause(2000); // replies flowing before the agent goes away
                Instant stop = Instant.now();
                lab.stopAgent("h2");
                lab.startAgent("h2");
                Instant ready = Instant.now();
                progress.accept("restart: h2's agent ready again after " + seconds(stop, ready) + " s");
                // Until a reply comes after the ready time (bounded), then one more second of replies.
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (replies(lines).stream().noneMatch(r -> r.at().isAfter(ready)) && System.nanoTime() < deadline) {
                    pause(100);
                }
                pause(1000);
                ping.destroy();
                reader.join(5000);
                return summarize(backend, replies(lines), stop, ready);
            } finally {
                ping.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CrossnetException("interrupted");
        }
    }

    private record Reply(Instant at, int seq) {
    }

    private static Result summarize(BackendConfig.Type backend, List<Reply> replies, Instant stop, Instant ready) {
        if (replies.size() < 2) {
            throw new CrossnetException("restart: fewer than two ping replies (" + replies.size() + ")");
        }
        int firstSeq = replies.get(0).seq();
        int lastSeq = replies.get(replies.size() - 1).seq();
        int sent = lastSeq - firstSeq + 1;
        int lost = sent - (int) replies.stream().mapToInt(Reply::seq).distinct().count();
        double gap = 0;
        Reply back = replies.get(0);
        for (int i = 1; i < replies.size(); i++) {
            double g = seconds(replies.get(i - 1).at(), replies.get(i).at());
            if (g > gap) {
                gap = g;
                back = replies.get(i);
            }
        }
        return new Result(backend.wire(), seconds(stop, ready), gap, lost, sent, seconds(ready, back.at()));
    }

    private static List<Reply> replies(List<String> lines) {
        List<Reply> out = new ArrayList<>();
        for (String l : lines) {
            Matcher m = REPLY.matcher(l);
            if (m.find()) {
                out.add(new Reply(Instant.ofEpochSecond(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)) * 1000),
                        Integer.parseInt(m.group(3))));
            }
        }
        return out;
    }

    private static void awaitPing(Lab lab, String ip) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (lab.exec("h1-c1", "ping", "-c", "1", "-W", "1", ip).exit() != 0) {
            if (System.nanoTime() > deadline) {
                throw new CrossnetException("restart: h1-c1 cannot reach " + ip + " within 60 s of the lab coming up");
            }
        }
    }

    private static void readLines(Process p, List<String> into) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String l = r.readLine(); l != null; l = r.readLine()) {
                into.add(l);
            }
        } catch (IOException e) {
            // the ping was stopped
        }
    }

    private static double seconds(Instant from, Instant to) {
        return java.time.Duration.between(from, to).toNanos() / 1e9;
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis); // letting the ping run; the measurement is ping's own timestamps
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CrossnetException("interrupted");
        }
    }
}

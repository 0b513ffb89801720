package dev.crossnet.store.sqlite;

import dev.crossnet.store.ListResult;
import dev.crossnet.store.WatchEvent;
import dev.crossnet.store.WatchListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The embedded store's watch latency for a write that nothing follows: two connections on one file (as two
 * processes), one puts a key, waits until the other's watch has it, pauses 20 ms, and again. A watch that misses
 * a write's notice then waits for the safety poll (1 s), since no later write comes to wake it; {@code bench store}
 * puts every 5 ms, so there the next put hides such a miss. Prints, never asserts; no root.
 *
 * <pre>
 * java -cp target/classes:target/test-classes:$(cat target/cp.txt) dev.crossnet.store.sqlite.WatchAfterQuietBenchmark FILE [N]
 * </pre>
 */
public final class WatchAfterQuietBenchmark {
    private WatchAfterQuietBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 500;
        for (String suffix : new String[] {"", "-wal", "-shm"}) {
            Files.deleteIfExists(Path.of(file + suffix));
        }
        ConcurrentHashMap<String, Long> seen = new ConcurrentHashMap<>();
        List<Double> lags = new ArrayList<>();
        try (SqliteStore watcher = SqliteStore.open(file); SqliteStore writer = SqliteStore.open(file)) {
            watcher.watch("/quiet/", 0, new WatchListener() {
                @Override
                public void onEvents(List<WatchEvent> events, long revision) {
                    long t = System.nanoTime();
                    events.forEach(e -> seen.putIfAbsent(e.key(), t));
                }

                @Override
                public void onReset(ListResult snapshot) {
                }

                @Override
                public void onError(Exception e) {
                }
            });
            for (int i = 0; i < n; i++) {
                String key = "/quiet/" + i;
                long t0 = System.nanoTime();
                writer.put(key, "x".repeat(200), null);
                long limit = t0 + Duration.ofSeconds(10).toNanos();
                while (!seen.containsKey(key) && System.nanoTime() < limit) {
                    Thread.sleep(0, 200_000);
                }
                lags.add(seen.containsKey(key) ? (seen.get(key) - t0) / 1e6 : Double.POSITIVE_INFINITY);
                Thread.sleep(20);
            }
        }
        Collections.sort(lags);
        System.out.printf(Locale.ROOT, "%d writes: watch latency median %.2f ms, p90 %.2f, max %.2f; later than 200 ms: %d; load %s%n",
                n, lags.get(n / 2), lags.get(n * 9 / 10), lags.get(n - 1), lags.stream().filter(x -> x > 200).count(),
                Files.readString(Path.of("/proc/loadavg")).strip());
    }
}

package dev.crossnet.store.sqlite;

import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * A child process for {@link SqliteMultiProcessTest}: opens the store, announces itself, waits
 * until all racers are there, then tries to create every key and prints {@code key rev} for each
 * one it won (and for its announcement).
 *
 * <p>Args: file, racer id, racer count, key count.
 */
public final class CreateRacer {
    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        String id = args[1];
        int racers = Integer.parseInt(args[2]);
        int keys = Integer.parseInt(args[3]);
        try (SqliteStore store = SqliteStore.open(file)) {
            System.out.println("/ready/" + id + " " + store.create("/ready/" + id, id, null).orElseThrow());
            // A start line in the store itself: spin (with a short pause) until every racer has
            // opened the file, so that the creates overlap instead of running one JVM after another.
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (store.list("/ready/").items().size() < racers) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("other racers never showed up");
                }
                Thread.sleep(2);
            }
            for (int i = 0; i < keys; i++) {
                String key = "/race/" + String.format("%04d", i);
                OptionalLong won = store.create(key, id, null);
                if (won.isPresent()) {
                    System.out.println(key + " " + won.getAsLong());
                }
            }
        }
        System.out.println("done");
    }
}

package dev.crossnet.docker.lab;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A child process for {@link CachedFileTest}: announces itself in {@code DIR/ready-ID}, waits
 * until all racers are there, then asks for the cached file {@code DIR/cache/cached.bin} and prints
 * what it got. Its builder appends the racer's id to {@code DIR/builds} and writes the file in
 * several steps, so that a reader of a half-written file would see it short.
 *
 * <p>Args: dir, racer id, racer count.
 */
public final class CacheRacer {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        String id = args[1];
        int racers = Integer.parseInt(args[2]);
        Files.createFile(dir.resolve("ready-" + id));
        // A start line, so that the racers ask at once rather than one JVM start after another.
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (countReady(dir) < racers) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("other racers never showed up");
            }
            Thread.sleep(2);
        }
        Path got = CachedFile.get(dir.resolve("cache/cached.bin"), p -> true, (out, work) -> {
            Files.writeString(dir.resolve("builds"), id + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            for (int i = 0; i < CachedFileTest.CHUNKS; i++) {
                Files.writeString(out, CachedFileTest.CHUNK, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                CachedFileTest.pause(20); // widens the window in which a broken cache lets a second builder in
            }
        });
        System.out.println(Files.readString(got, StandardCharsets.UTF_8).length());
    }

    private static long countReady(Path dir) throws Exception {
        try (var s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("ready-")).count();
        }
    }
}

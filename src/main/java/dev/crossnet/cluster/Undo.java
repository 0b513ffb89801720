package dev.crossnet.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.stream.Stream;

/**
 * What a half-done {@code init} or {@code join} must take back: steps recorded as they are done, run
 * in reverse on failure. A failing undo step is added to the original error as suppressed, and the
 * other steps still run. Not thread-safe.
 */
final class Undo {
    private final Deque<Runnable> steps = new ArrayDeque<>();

    void add(Runnable step) {
        steps.push(step);
    }

    /** Adds deleting {@code p} (a file or a whole tree). */
    void addDelete(Path p) {
        add(() -> deleteTree(p));
    }

    /** Runs every step, newest first, attaching their failures to {@code cause}. */
    void run(Throwable cause) {
        while (!steps.isEmpty()) {
            try {
                steps.pop().run();
            } catch (RuntimeException e) {
                cause.addSuppressed(e);
            }
        }
    }

    static void deleteTree(Path p) {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(x);
            }
        } catch (IOException e) {
            throw new dev.crossnet.CrossnetException("cannot remove " + p + ": " + e.getMessage(), e);
        }
    }
}

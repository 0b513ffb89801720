package dev.crossnet.docker.lab;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A file that is slow to make, made once and then shared by every thread and process that asks
 * for it: the busybox rootfs tarball under {@code /var/cache/crossnet}.
 *
 * <p>How it works, for {@code DIR/NAME}:
 * <ol>
 *   <li>A usable {@code DIR/NAME} is returned at once, without a lock: it only ever appears by
 *       rename of a finished file, so whoever sees it sees all of it.
 *   <li>Otherwise the caller takes {@link FileMutex} {@code DIR/.NAME.lock} (threads of this JVM and
 *       other processes queue there) and looks again: the previous holder may have built it.
 *   <li>Still missing: the builder writes into {@code DIR/.NAME.tmp-RANDOM/NAME}, a fresh work
 *       directory beside the file (same file system, so the rename is atomic); the result is
 *       synced, renamed over {@code DIR/NAME} and the work directory removed.
 * </ol>
 * A builder that dies midway leaves only its work directory, never a partial {@code DIR/NAME};
 * the next builder removes such leftovers, under the lock, where none can still be in use.
 *
 * <p>Thread-safe; blocks while another thread or process builds.
 */
public final class CachedFile {

    /** Makes the file's content. */
    @FunctionalInterface
    public interface Builder {
        /**
         * Writes the whole file to {@code out} (which does not exist yet). {@code workDir}, which
         * holds {@code out}, is scratch space for the build and is removed afterwards.
         */
        void build(Path out, Path workDir) throws IOException;
    }

    private CachedFile() {
    }

    /**
     * Returns {@code file}, first building it with {@code builder} unless it exists and
     * {@code usable} accepts it. Creates missing parent directories. Of the callers that find it
     * missing at once, one builds and the others wait and reuse its result.
     *
     * @param usable whether an existing file may be used as it is (e.g. newer than its sources)
     * @throws IOException from the builder or the file system; nothing is left under {@code file}
     */
    public static Path get(Path file, Predicate<Path> usable, Builder builder) throws IOException {
        if (isUsable(file, usable)) {
            return file;
        }
        Path dir = file.toAbsolutePath().getParent();
        String name = file.getFileName().toString();
        Files.createDirectories(dir);
        try (FileMutex lock = FileMutex.lock(dir.resolve("." + name + ".lock"))) {
            if (isUsable(file, usable)) {
                return file;
            }
            removeLeftovers(dir, workPrefix(name));
            Path work = Files.createTempDirectory(dir, workPrefix(name));
            try {
                Path out = work.resolve(name);
                builder.build(out, work);
                if (!Files.isRegularFile(out)) {
                    throw new NoSuchFileException(out.toString(), null, "the builder wrote no file");
                }
                // The content is on disk before the name points at it, so not even a power cut
                // can leave an empty or truncated file under the final name.
                try (FileChannel ch = FileChannel.open(out, StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
                Files.move(out, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                try {
                    deleteTree(work);
                } catch (IOException e) {
                    // the next builder removes it, under the lock
                }
            }
            return file;
        }
    }

    /** The name prefix of the work directories of {@code name}'s builders. */
    static String workPrefix(String name) {
        return "." + name + ".tmp-";
    }

    private static boolean isUsable(Path file, Predicate<Path> usable) {
        return Files.isRegularFile(file) && usable.test(file);
    }

    /** Removes the work directories that crashed builders left. Only call it holding the lock. */
    private static void removeLeftovers(Path dir, String prefix) throws IOException {
        List<Path> stale;
        try (Stream<Path> s = Files.list(dir)) {
            stale = s.filter(p -> p.getFileName().toString().startsWith(prefix)).toList();
        }
        for (Path p : stale) {
            deleteTree(p);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        List<Path> all;
        try (Stream<Path> walk = Files.walk(root)) {
            all = walk.sorted(Comparator.reverseOrder()).toList();
        }
        for (Path p : all) {
            Files.deleteIfExists(p);
        }
    }
}

package dev.crossnet.docker.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CachedFile}: one build however many threads and processes ask at once on an empty cache,
 * nobody sees a half-written file, and a failed or crashed build leaves nothing that gets in the
 * way of the next. The regression is issue 9: the lab's hosts, one thread each, all built the
 * busybox tarball through one temp file named after the pid, and all but the first to rename it
 * failed with NoSuchFileException.
 */
class CachedFileTest {
    static final int CHUNKS = 8;
    static final String CHUNK = "x".repeat(4096);
    static final String CONTENT = CHUNK.repeat(CHUNKS);

    @TempDir
    Path dir;

    @Test
    void get_eightThreadsOnAnEmptyCache_oneBuildsAndAllGetTheWholeFile() throws Exception {
        Path file = dir.resolve("first/run/cached.bin"); // parents missing too, as on a fresh machine
        AtomicInteger builds = new AtomicInteger();
        int threads = 8;
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<String>> got = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                got.add(pool.submit(() -> {
                    start.await(60, TimeUnit.SECONDS);
                    Path p = CachedFile.get(file, f -> true, (out, work) -> {
                        builds.incrementAndGet();
                        writeSlowly(out);
                    });
                    return Files.readString(p);
                }));
            }
            for (Future<String> f : got) {
                assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(CONTENT);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(builds).hasValue(1);
        assertThat(names(file.getParent())).containsExactlyInAnyOrder("cached.bin", ".cached.bin.lock");
    }

    @Test
    void get_fourProcessesOnAnEmptyCache_oneBuildsAndAllGetTheWholeFile() throws Exception {
        int racers = 4;
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> procs = new ArrayList<>();
        List<Path> outs = new ArrayList<>();
        try {
            for (int i = 0; i < racers; i++) {
                Path out = dir.resolve("racer-" + i + ".out");
                outs.add(out);
                procs.add(new ProcessBuilder(java, "-cp", cp, "-Dlogback.configurationFile=none", CacheRacer.class.getName(),
                        dir.toString(), "r" + i, String.valueOf(racers)).redirectErrorStream(true).redirectOutput(out.toFile()).start());
            }
            for (int i = 0; i < racers; i++) {
                assertThat(procs.get(i).waitFor(120, TimeUnit.SECONDS)).as("racer %d finished", i).isTrue();
                assertThat(procs.get(i).exitValue()).as("racer %d exit; output:%n%s", i, Files.readString(outs.get(i))).isZero();
                assertThat(Files.readString(outs.get(i)).strip()).as("racer %d read the whole file", i)
                        .isEqualTo(String.valueOf(CONTENT.length()));
            }
        } finally {
            for (Process p : procs) {
                p.destroyForcibly();
            }
        }
        assertThat(Files.readAllLines(dir.resolve("builds"))).as("builders").hasSize(1);
        assertThat(names(dir.resolve("cache"))).containsExactlyInAnyOrder("cached.bin", ".cached.bin.lock");
    }

    @Test
    void get_usableFile_isReturnedWithoutBuilding() throws Exception {
        Path file = Files.writeString(dir.resolve("cached.bin"), "old");
        Path got = CachedFile.get(file, f -> true, (out, work) -> {
            throw new AssertionError("built although the file was usable");
        });
        assertThat(got).hasContent("old");
    }

    @Test
    void get_unusableFile_isReplaced() throws Exception {
        Path file = Files.writeString(dir.resolve("cached.bin"), "old");
        CachedFile.get(file, f -> false, (out, work) -> Files.writeString(out, "new"));
        assertThat(file).hasContent("new");
        assertThat(names(dir)).containsExactlyInAnyOrder("cached.bin", ".cached.bin.lock");
    }

    @Test
    void get_builderFailsMidway_leavesNothingAndTheNextCallBuilds() throws Exception {
        Path file = dir.resolve("cached.bin");
        assertThatThrownBy(() -> CachedFile.get(file, f -> true, (out, work) -> {
            Files.writeString(out, "half");
            Files.writeString(work.resolve("scratch"), "scratch");
            throw new IOException("disk full");
        })).hasMessage("disk full");
        assertThat(names(dir)).containsExactly(".cached.bin.lock");

        CachedFile.get(file, f -> true, (out, work) -> Files.writeString(out, "whole"));
        assertThat(file).hasContent("whole");
    }

    @Test
    void get_builderWritesNothing_fails() {
        assertThatThrownBy(() -> CachedFile.get(dir.resolve("cached.bin"), f -> true, (out, work) -> { }))
                .hasMessageContaining("the builder wrote no file");
        assertThat(dir.resolve("cached.bin")).doesNotExist();
    }

    @Test
    void get_workDirectoryOfACrashedBuilder_isRemovedByTheNextBuild() throws Exception {
        Path crashed = Files.createDirectory(dir.resolve(CachedFile.workPrefix("cached.bin") + "4242"));
        Files.writeString(crashed.resolve("cached.bin"), "half");
        Files.createDirectories(crashed.resolve("rootfs/bin"));
        Path file = CachedFile.get(dir.resolve("cached.bin"), f -> true, (out, work) -> Files.writeString(out, "whole"));
        assertThat(file).hasContent("whole");
        assertThat(names(dir)).containsExactlyInAnyOrder("cached.bin", ".cached.bin.lock");
    }

    @Test
    void fileMutex_waiterInterrupted_givesUpAndTheLockStillWorks() throws Exception {
        Path lockFile = dir.resolve("sub/x.lock");
        CountDownLatch waiting = new CountDownLatch(1);
        List<Throwable> thrown = new CopyOnWriteArrayList<>();
        Thread waiter;
        try (FileMutex held = FileMutex.lock(lockFile)) {
            waiter = new Thread(() -> {
                waiting.countDown();
                try (FileMutex m = FileMutex.lock(lockFile)) {
                    thrown.add(new AssertionError("got the lock while another thread held it"));
                } catch (Throwable t) {
                    thrown.add(t);
                }
            });
            waiter.start();
            waiting.await();
            waiter.interrupt();
            waiter.join(TimeUnit.SECONDS.toMillis(60));
            assertThat(waiter.isAlive()).isFalse();
        }
        assertThat(thrown).singleElement().isInstanceOf(InterruptedIOException.class);
        try (FileMutex again = FileMutex.lock(lockFile)) {
            assertThat(lockFile).exists();
        }
    }

    @Test
    void fileMutex_askedTwiceByOneThread_fails() throws Exception {
        Path lockFile = dir.resolve("x.lock");
        try (FileMutex held = FileMutex.lock(lockFile)) {
            assertThatThrownBy(() -> FileMutex.lock(lockFile)).isInstanceOf(IllegalStateException.class);
        }
    }

    private static void writeSlowly(Path out) throws IOException {
        for (int i = 0; i < CHUNKS; i++) {
            Files.writeString(out, CHUNK, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            pause(2); // widens the window in which a broken cache lets a second builder in
        }
    }

    static void pause(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException();
        }
    }

    private static List<String> names(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }
}

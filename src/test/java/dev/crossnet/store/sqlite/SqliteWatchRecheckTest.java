package dev.crossnet.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crossnet.store.RecordingListener;
import dev.crossnet.store.Watch;
import dev.crossnet.store.WatchEvent;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded store's watch when the file's change is reported before the commit is visible: inotify reports a
 * writer's first write(2) to the WAL, and the commit shows to readers only after its last frame and the WAL index
 * update, which nothing reports. The watch thread must read again soon, not wait for the safety poll (an hour
 * here; a second for agents, where it made a network created on one lab host reach the other host's dockerd
 * 1 s late in one round of ten: docs/benchmarks.md). The file's changes are scripted, so the order is exact.
 */
class SqliteWatchRecheckTest {
    @TempDir
    Path dir;

    @Test
    void aChangeReportedBeforeItsCommitIsVisible_reachesTheWatch_withoutWaitingForTheSafetyPoll() throws Exception {
        ScriptedFileChanges changes = new ScriptedFileChanges();
        Path file = dir.resolve("store.db");
        try (SqliteStore watcher = new SqliteStore(file, Clock.systemUTC(), Duration.ofHours(1), p -> changes);
             SqliteStore writer = new SqliteStore(file, Clock.systemUTC(), Duration.ofHours(1))) { // another process
            RecordingListener events = new RecordingListener();
            try (Watch w = watcher.watch("/k/", 0, events)) {
                long waits = changes.awaitWaiting(1);
                changes.report(); // the writer's first frame is written and reported ...
                changes.awaitWaiting(waits + 1); // ... the watch thread read, found nothing new, and waits again ...
                writer.put("/k/a", "1", null); // ... and only now is the commit visible; nothing more is reported

                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(events.events())
                        .extracting(WatchEvent::key).containsExactly("/k/a"));
            }
        }
    }

    /**
     * One report can stand for two commits (the kernel and the JDK merge reports of the same file): the read it
     * wakes sees the first, the second becomes visible just after, and nothing more is reported. The thread took
     * the first commit as what the report was about and waited for the safety poll (a network created on one lab
     * host reached the other host's dockerd 1.0 s late in one round of ten, after the fix above).
     */
    @Test
    void aReportForTwoCommits_whoseReadSeesOnlyTheFirst_readsAgainForTheSecond() throws Exception {
        ScriptedFileChanges changes = new ScriptedFileChanges();
        Path file = dir.resolve("store.db");
        try (SqliteStore watcher = new SqliteStore(file, Clock.systemUTC(), Duration.ofHours(1), p -> changes);
             SqliteStore writer = new SqliteStore(file, Clock.systemUTC(), Duration.ofHours(1))) {
            RecordingListener events = new RecordingListener();
            try (Watch w = watcher.watch("/k/", 0, events)) {
                long waits = changes.awaitWaiting(1);
                writer.put("/k/a", "1", null); // the first commit, visible ...
                changes.report(); // ... reported once for both ...
                changes.awaitWaiting(waits + 1); // ... the read found the first and the thread waits again ...
                writer.put("/k/b", "2", null); // ... and the second shows only now; nothing more is reported

                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(events.events())
                        .extracting(WatchEvent::key).containsExactly("/k/a", "/k/b"));
            }
        }
    }

    @Test
    void aReportWithNoCommit_isReadAgainAFewTimes_thenTheThreadWaitsForReports() throws Exception {
        ScriptedFileChanges changes = new ScriptedFileChanges();
        Path file = dir.resolve("store.db");
        try (SqliteStore watcher = new SqliteStore(file, Clock.systemUTC(), Duration.ofMillis(300), p -> changes);
             Watch w = watcher.watch("/k/", 0, new RecordingListener())) {
            int waits = (int) changes.awaitWaiting(1);
            changes.report(); // e.g. a checkpoint writing the database file: no commit to see

            // 2, 8, 32 … ms while less than 300 ms have passed: a handful of reads, then the safety poll's pace.
            await().atMost(Duration.ofSeconds(30)).until(() -> changes.timeouts().size() > waits
                    && changes.timeouts().subList(waits, changes.timeouts().size()).contains(Duration.ofMillis(300)));
            List<Duration> after = changes.timeouts().subList(waits, changes.timeouts().size());
            List<Duration> rechecks = after.subList(0, after.indexOf(Duration.ofMillis(300)));
            assertThat(rechecks).hasSizeBetween(1, 4).startsWith(Duration.ofMillis(SqliteStore.RECHECK_FIRST_MS))
                    .allSatisfy(t -> assertThat(t).isLessThan(Duration.ofMillis(300)));
        }
    }

    /**
     * Reports with no commit behind them can come faster than the rechecks they start (a writer's frames, the
     * WAL index, checkpoints): the recheck interval grew fourfold per report, overflowed after about 30 of them
     * within one safety poll, and the watch thread died (an agent stopped at 905 of 1000 leases for good).
     */
    @Test
    void manyReportsWithNoCommit_keepTheWaitsWithinTheSafetyPoll_andTheWatchAlive() throws Exception {
        ScriptedFileChanges changes = new ScriptedFileChanges();
        Path file = dir.resolve("store.db");
        try (SqliteStore watcher = new SqliteStore(file, Clock.systemUTC(), Duration.ofHours(1), p -> changes);
             SqliteStore writer = new SqliteStore(file, Clock.systemUTC(), Duration.ofHours(1))) {
            RecordingListener events = new RecordingListener();
            try (Watch w = watcher.watch("/k/", 0, events)) {
                long waits = changes.awaitWaiting(1);
                for (int i = 0; i < 64; i++) { // each report is read and finds no commit
                    changes.report();
                    waits = changes.awaitWaiting(waits + 1);
                }
                writer.put("/k/a", "1", null);
                changes.report();

                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(events.events())
                        .extracting(WatchEvent::key).containsExactly("/k/a"));
                assertThat(changes.timeouts()).allSatisfy(t -> assertThat(t)
                        .isPositive().isLessThanOrEqualTo(Duration.ofHours(1)));
            }
        }
    }

    /** A failure inside a round (here the change notifier's) is logged and the thread reads again; it does not end every watch. */
    @Test
    void aFailingRound_doesNotEndTheWatchThread() throws Exception {
        ScriptedFileChanges changes = new ScriptedFileChanges() {
            private final java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();

            @Override
            public boolean notifying() {
                if (asked.incrementAndGet() == 2) {
                    throw new IllegalStateException("broken on purpose");
                }
                return true;
            }
        };
        Path file = dir.resolve("store.db");
        try (SqliteStore watcher = new SqliteStore(file, Clock.systemUTC(), Duration.ofMillis(200), p -> changes);
             SqliteStore writer = new SqliteStore(file, Clock.systemUTC(), Duration.ofHours(1))) {
            RecordingListener events = new RecordingListener();
            try (Watch w = watcher.watch("/k/", 0, events)) {
                changes.awaitWaiting(3); // past the failing round
                writer.put("/k/a", "1", null);
                changes.report();

                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(events.events())
                        .extracting(WatchEvent::key).containsExactly("/k/a"));
            }
        }
    }

    /** {@link FileChanges} that report only when the test says so, and count the waits. */
    static class ScriptedFileChanges implements FileChanges {
        private boolean reported; // guarded by this
        private boolean closed; // guarded by this
        private long waits; // guarded by this
        private final List<Duration> timeouts = new ArrayList<>(); // guarded by this

        @Override
        public boolean notifying() {
            return true;
        }

        @Override
        public synchronized boolean await(Duration timeout) throws InterruptedException {
            waits++;
            timeouts.add(timeout);
            notifyAll();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!reported && !closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                wait(Math.max(1, left / 1_000_000));
            }
            if (closed) {
                throw new InterruptedException("closed");
            }
            boolean was = reported;
            reported = false;
            return was;
        }

        synchronized void report() {
            reported = true;
            notifyAll();
        }

        /** Waits until the watch thread has begun its {@code n}th wait (a minute at most); returns how many it has begun. */
        synchronized long awaitWaiting(long n) throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
            while (waits < n) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the watch thread began " + waits + " waits, not " + n + ": did it die?");
                }
                wait(100);
            }
            return waits;
        }

        synchronized List<Duration> timeouts() {
            return new ArrayList<>(timeouts);
        }

        @Override
        public void wake() {
            report();
        }

        @Override
        public synchronized void close() {
            closed = true;
            notifyAll();
        }
    }
}

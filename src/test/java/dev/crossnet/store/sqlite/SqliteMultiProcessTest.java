package dev.crossnet.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crossnet.store.KeyValue;
import dev.crossnet.store.RecordingListener;
import dev.crossnet.store.Watch;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several JVMs share one SQLite file (as the lab's agents do): racing creates on the same keys,
 * each key must be won by exactly one process, and the revisions of all writes must be unique
 * and gap-free.
 *
 * <p>The racers start together (each waits until all have opened the file), so their creates
 * overlap, but how the keys split between them is up to the scheduler, and a busy machine may let
 * one racer win them all. The checks above hold for any split, so the test asserts none.
 *
 * <p>A watch in this JVM, whose safety poll is an hour, must see every racer's creates: only the
 * file's change notification can tell it of another process's writes in time.
 */
class SqliteMultiProcessTest {
    static final int RACERS = 4;
    static final int KEYS = 200;

    @TempDir
    Path dir;

    @Test
    void create_racedByFourProcesses_eachKeyWonOnce_revisionsUniqueAndGapFree() throws Exception {
        Path file = dir.resolve("shared.db");
        // Create the schema once up front, so the racers do not also race on CREATE TABLE.
        SqliteStore.open(file).close();
        RecordingListener seen = new RecordingListener();
        try (SqliteStore watching = new SqliteStore(file, Clock.systemUTC(), Duration.ofHours(1));
             Watch w = watching.watch("/race/", watching.list("/race/").revision(), seen)) {
            assertThat(watching.notified()).as("inotify on the store's directory").isTrue();
            race(file);
            await("the other processes' creates, seen by the watch").atMost(Duration.ofSeconds(60))
                    .until(() -> seen.events().size() >= KEYS);
        }
    }

    private void race(Path file) throws Exception {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> procs = new ArrayList<>();
        List<Path> outs = new ArrayList<>();
        try {
            for (int i = 0; i < RACERS; i++) {
                Path out = dir.resolve("racer-" + i + ".out");
                outs.add(out);
                procs.add(new ProcessBuilder(java, "-cp", cp, "-Dlogback.configurationFile=none",
                        CreateRacer.class.getName(), file.toString(), "r" + i, String.valueOf(RACERS), String.valueOf(KEYS))
                        // Results on stdout, logs on stderr: a log line must never be read as a result.
                        .redirectOutput(out.toFile()).redirectError(dir.resolve("racer-" + i + ".log").toFile()).start());
            }
            for (int i = 0; i < RACERS; i++) {
                assertThat(procs.get(i).waitFor(90, TimeUnit.SECONDS)).as("racer %d finished", i).isTrue();
                assertThat(procs.get(i).exitValue()).as("racer %d exit; output:%n%s%nlog:%n%s", i, Files.readString(outs.get(i)),
                        Files.readString(dir.resolve("racer-" + i + ".log"))).isZero();
            }
        } finally {
            for (Process pr : procs) {
                pr.destroyForcibly();
            }
        }

        Map<String, String> winner = new HashMap<>();
        TreeSet<Long> revisions = new TreeSet<>();
        int writes = 0;
        for (int i = 0; i < RACERS; i++) {
            List<String> lines = Files.readAllLines(outs.get(i), StandardCharsets.UTF_8);
            assertThat(lines).as("racer %d output", i).endsWith("done");
            for (String line : lines.subList(0, lines.size() - 1)) {
                String[] kv = line.split(" ");
                writes++;
                revisions.add(Long.parseLong(kv[1]));
                assertThat(winner.put(kv[0], "r" + i)).as("%s won twice", kv[0]).isNull();
            }
        }
        assertThat(winner.keySet().stream().filter(k -> k.startsWith("/race/"))).hasSize(KEYS);
        assertThat(revisions).as("unique revisions").hasSize(writes);
        try (SqliteStore store = SqliteStore.open(file)) {
            long last = store.list("/").revision();
            assertThat(revisions).as("gap-free revisions").containsExactlyElementsOf(
                    LongStream.rangeClosed(1, last).boxed().toList());
            for (KeyValue kv : store.list("/race/").items()) {
                assertThat(kv.value()).as(kv.key()).isEqualTo(winner.get(kv.key()));
            }
        }
    }
}

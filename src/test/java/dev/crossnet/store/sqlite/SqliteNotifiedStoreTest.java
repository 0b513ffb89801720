package dev.crossnet.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.store.RecordingListener;
import dev.crossnet.store.Watch;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The store contract against the embedded store as agents run it, on the real clock, with the
 * safety poll set to an hour: every watch delivery in the suite must then come from the file's
 * change notification, and every TTL delete from the watch waking when that TTL lapses. If either
 * stopped working, the contract's waits would run out; without notification the store would poll
 * every few milliseconds instead, which {@link #watches_learnOfChangesFromTheKernel} rules out.
 */
class SqliteNotifiedStoreTest extends SqliteStoreContract {
    @Override
    SqliteStore open(Path file) {
        return new SqliteStore(file, Clock.systemUTC(), Duration.ofHours(1));
    }

    @Test
    void watches_learnOfChangesFromTheKernel() {
        try (Watch w = store.watch("/notified/", 0, new RecordingListener())) {
            assertThat(store.notified()).as("inotify on the store's directory (fails if the inotify instance limit is reached)")
                    .isTrue();
        }
    }
}

package dev.crossnet.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.store.RecordingListener;
import dev.crossnet.store.Store;
import dev.crossnet.store.StoreContract;
import dev.crossnet.store.Watch;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store contract against the embedded store as agents run it, on the real clock, with the
 * safety poll set to an hour: every watch delivery in the suite must then come from the file's
 * change notification, and every TTL delete from the watch waking when that TTL lapses. If either
 * stopped working, the contract's waits would run out; without notification the store would poll
 * every few milliseconds instead, which {@link #watches_learnOfChangesFromTheKernel} rules out.
 */
class SqliteNotifiedStoreTest extends StoreContract {
    @TempDir
    static Path dir;
    static SqliteStore store;

    @BeforeAll
    static void open() {
        store = new SqliteStore(dir.resolve("store.db"), Clock.systemUTC(), Duration.ofHours(1));
    }

    @Test
    void watches_learnOfChangesFromTheKernel() {
        try (Watch w = store.watch("/notified/", 0, new RecordingListener())) {
            assertThat(store.notified()).as("inotify on the store's directory (fails if the inotify instance limit is reached)")
                    .isTrue();
        }
    }

    @AfterAll
    static void close() {
        if (store != null) {
            store.close();
        }
    }

    @Override
    protected Store store() {
        return store;
    }

    @Override
    protected void compactAll() {
        store.compactAll();
    }

    @Override
    protected Duration shortTtl() {
        return Duration.ofMillis(400);
    }
}

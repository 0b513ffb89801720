package dev.crossnet.store.sqlite;

import dev.crossnet.store.Store;
import dev.crossnet.store.StoreContract;
import dev.crossnet.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store contract against the embedded store, on a temp file. Its TTLs run on a test clock that
 * only {@link #elapse} moves, so a busy machine cannot make a key lapse between two keep-alives.
 */
class SqliteStoreTest extends StoreContract {
    @TempDir
    static Path dir;
    static MutableClock clock;
    static SqliteStore store;

    @BeforeAll
    static void open() {
        clock = new MutableClock(Instant.now());
        store = new SqliteStore(dir.resolve("store.db"), clock, Duration.ofMillis(10));
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

    @Override
    protected void elapse(Duration d) {
        clock.advance(d);
    }
}

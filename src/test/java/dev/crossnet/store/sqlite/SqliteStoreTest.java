package dev.crossnet.store.sqlite;

import dev.crossnet.store.Store;
import dev.crossnet.store.StoreContract;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The store contract against the embedded store, on a temp file. */
class SqliteStoreTest extends StoreContract {
    @TempDir
    static Path dir;
    static SqliteStore store;

    @BeforeAll
    static void open() {
        store = new SqliteStore(dir.resolve("store.db"), Clock.systemUTC(), Duration.ofMillis(10));
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

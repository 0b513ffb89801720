package dev.crossnet.store.sqlite;

import dev.crossnet.store.Store;
import dev.crossnet.store.StoreContract;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store contract on one embedded store per test class, in a temp dir: what {@link
 * SqliteStoreTest} (test clock) and {@link SqliteNotifiedStoreTest} (real clock, change
 * notification only) share. A subclass says how its store is opened.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SqliteStoreContract extends StoreContract {
    SqliteStore store;

    /** Opens the store under test on {@code file} (which does not exist yet). */
    abstract SqliteStore open(Path file);

    @BeforeAll
    void openStore(@TempDir Path dir) {
        store = open(dir.resolve("store.db"));
    }

    @AfterAll
    void closeStore() {
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

package dev.crossnet.store.sqlite;

import dev.crossnet.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * The store contract against the embedded store, on a temp file. Its TTLs run on a test clock that
 * only {@link #elapse} moves, so a busy machine cannot make a key lapse between two keep-alives.
 */
class SqliteStoreTest extends SqliteStoreContract {
    final MutableClock clock = new MutableClock(Instant.now());

    @Override
    SqliteStore open(Path file) {
        return new SqliteStore(file, clock, Duration.ofMillis(10));
    }

    @Override
    protected void elapse(Duration d) {
        clock.advance(d);
    }
}

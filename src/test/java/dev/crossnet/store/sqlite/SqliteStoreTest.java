package dev.crossnet.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    /**
     * SQLite's default page cache (2000 KiB) filled to 1.8 MB of malloc'd pages in an agent with 1000
     * leases; the store asks for {@value SqliteStore#PAGE_CACHE_KIB} KiB on the connection it opens,
     * whether it made the file or found it.
     */
    @Test
    void pageCache_isCappedAt512KiB_onANewFileAndAnExistingOne(@TempDir Path dir) {
        Path file = dir.resolve("store.db");
        try (SqliteStore made = open(file)) {
            assertThat(made.pragma("cache_size")).isEqualTo(-SqliteStore.PAGE_CACHE_KIB);
        }
        try (SqliteStore found = open(file)) {
            assertThat(found.pragma("cache_size")).isEqualTo(-512);
        }
    }
}

package dev.crossnet.store.sqlite;

import dev.crossnet.store.KeyValue;
import dev.crossnet.store.ListResult;
import dev.crossnet.store.Store;
import dev.crossnet.store.StoreException;
import dev.crossnet.store.Watch;
import dev.crossnet.store.WatchEvent;
import dev.crossnet.store.WatchListener;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * The embedded store: one SQLite file in WAL mode, shared safely by several processes on one
 * machine (the lab runs one agent process per simulated host on the same file).
 *
 * <p>How it works. Table {@code kv} holds the live keys; table {@code log} holds one row per
 * change with its revision, which is what watchers read. Every write runs in a {@code BEGIN
 * IMMEDIATE} transaction, so writers from all processes are serialised by SQLite's lock and the
 * revision counter in {@code meta} moves by one per change. Expired keys are removed (and logged as
 * deletes) by whichever process next writes or polls. The log keeps the last {@value #LOG_RETAIN}
 * changes; a watcher that falls further behind re-lists, exactly as after an etcd compaction.
 *
 * <p>Watches read the log when the file changes: SQLite has no cross-process notification, so one
 * thread per store waits on the kernel's ({@link FileChanges}: inotify on the database and its
 * WAL, written by every commit of every process), wakes when the next TTL lapses (to reap it and
 * report the delete), and otherwise reads at least every {@link #safetyPoll} in case a change went
 * unreported. Without notification it reads every {@value #FALLBACK_POLL_MS} ms. A report can come
 * before the commit it is about is visible (see {@link FileChanges}), and one report can stand for
 * several commits (the kernel and the JDK merge reports of the same file), so a read that finds one
 * of them may miss the next. After a report, and after every read that finds a commit it had not seen
 * ({@code PRAGMA data_version} for other processes' commits, a count for this one's), the thread
 * reads again after 2, 8, 32 … ms (from 2 ms again whenever a read finds another commit) until
 * {@code safetyPoll} has passed with no new commit (four reads in the first 170 ms, five in a second),
 * instead of waiting for a report that will not come. Reports with no commit behind them (a
 * checkpoint, the trailing writes of a commit already read) cost those few reads.
 */
public final class SqliteStore implements Store {
    private static final Logger log = LoggerFactory.getLogger(SqliteStore.class);
    static final int LOG_RETAIN = 10_000;
    /** How often watches read the log where the file's changes are not reported. */
    static final long FALLBACK_POLL_MS = 20;
    /** How long an idle watch goes without reading the log when changes are reported. */
    static final Duration SAFETY_POLL = Duration.ofSeconds(1);
    /** The first re-read after a reported change that was not visible yet; each next one waits four times as long. */
    static final long RECHECK_FIRST_MS = 2;
    /**
     * The connection's page cache, KiB ({@code PRAGMA cache_size = -512}; SQLite's default is 2000 KiB).
     * A commit by any other process empties the cache anyway (WAL mode re-reads after a change), and a
     * page missed is a read from the OS page cache, so SQLite's 2 MB per process mostly held pages no
     * read would use again: with 1000 leases the agent's cache filled to 1.8 MB of malloc'd pages, now
     * at most 0.5 MB, which still holds a whole list of 1000 leases (~90 pages of 4 KiB).
     * docs/benchmarks.md, "One agent, 1000 peers": native memory.
     */
    static final int PAGE_CACHE_KIB = 512;

    private final Path path;
    private final Clock clock;
    private final Duration safetyPoll;
    private final Connection conn;
    private final Object lock = new Object();
    private final List<SqliteWatch> watches = new CopyOnWriteArrayList<>();
    private final Function<Path, FileChanges> changesOf;
    private Thread poller;
    private FileChanges changes;
    private long ownCommits; // guarded by lock: write transactions committed on this connection
    private volatile boolean closed;

    /** Opens (creating if needed) the store at {@code path}, with the system clock. */
    public static SqliteStore open(Path path) {
        return new SqliteStore(path, Clock.systemUTC(), SAFETY_POLL);
    }

    /**
     * Opens (creating if needed) the store at {@code path}, whose TTLs run on {@code clock}; its
     * watches read the log at least every {@code safetyPoll} (and on every reported change).
     */
    public SqliteStore(Path path, Clock clock, Duration safetyPoll) {
        this(path, clock, safetyPoll, InotifyFileChanges::of);
    }

    /** As above, with the watch thread told of the file's changes by {@code changesOf} (tests script them). */
    SqliteStore(Path path, Clock clock, Duration safetyPoll, Function<Path, FileChanges> changesOf) {
        this.changesOf = changesOf;
        this.path = path.toAbsolutePath();
        this.clock = clock;
        this.safetyPoll = safetyPoll;
        Path dir = this.path.getParent();
        try {
            if (dir != null) {
                Files.createDirectories(dir);
            }
        } catch (Exception e) {
            throw new StoreException("cannot open store " + endpoint() + ": cannot create directory " + dir + ": " + e.getMessage(), e);
        }
        if (dir != null && !Files.isWritable(dir)) {
            throw new StoreException("cannot open store " + endpoint() + ": directory " + dir + " is not writable");
        }
        try {
            if (!Files.exists(this.path)) {
                createIfMissing();
            }
            this.conn = connect(this.path);
        } catch (SQLException | IOException e) {
            throw new StoreException("cannot open store " + endpoint() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Makes the store file on a first run. Connections that open a new, empty file at once race to
     * switch it to WAL, and lose: some get SQLITE_BUSY, and some writes vanish (see
     * SqliteFirstOpenTest). So the file is made whole under a name of its own (WAL mode, schema,
     * checkpointed) and then linked to {@link #path} only if that is still absent: link(2) is atomic
     * and never replaces. A process that loses that race deletes its copy and opens the winner's.
     */
    private void createIfMissing() throws SQLException, IOException {
        Path fresh = path.resolveSibling("." + path.getFileName() + "." + UUID.randomUUID() + ".new");
        try {
            try (Connection c = connect(fresh); Statement st = c.createStatement()) {
                st.execute("PRAGMA wal_checkpoint(TRUNCATE)");
            }
            try {
                Files.createLink(path, fresh);
            } catch (FileAlreadyExistsException lost) {
                // another process made it first: use theirs
            } catch (UnsupportedOperationException | FileSystemException noLinks) {
                if (!Files.exists(path)) {
                    Files.move(fresh, path); // no hard links on this file system: a rename, racy only here
                }
            }
        } finally {
            for (String suffix : new String[] {"", "-wal", "-shm"}) {
                Files.deleteIfExists(fresh.resolveSibling(fresh.getFileName() + suffix));
            }
        }
    }

    /** Connects to {@code file} in WAL mode and creates the schema if it is missing. */
    private static Connection connect(Path file) throws SQLException {
        SQLiteConfig cfg = new SQLiteConfig();
        cfg.setJournalMode(SQLiteConfig.JournalMode.WAL);
        cfg.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        cfg.setBusyTimeout(30_000);
        cfg.setCacheSize(-PAGE_CACHE_KIB); // negative: KiB, not pages
        Connection c = cfg.createConnection("jdbc:sqlite:" + file);
        try (Statement st = c.createStatement()) {
            st.executeUpdate("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL,"
                    + " create_rev INTEGER NOT NULL, mod_rev INTEGER NOT NULL, ttl_ms INTEGER, expires_at INTEGER)");
            st.executeUpdate("CREATE INDEX IF NOT EXISTS kv_expiry ON kv(expires_at) WHERE expires_at IS NOT NULL");
            st.executeUpdate("CREATE TABLE IF NOT EXISTS log (rev INTEGER PRIMARY KEY, key TEXT NOT NULL, value TEXT,"
                    + " create_rev INTEGER, expires_at INTEGER, deleted INTEGER NOT NULL, prev TEXT)");
            st.executeUpdate("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL)");
            st.executeUpdate("INSERT OR IGNORE INTO meta(name, value) VALUES ('rev', 0), ('compacted', 0)");
        } catch (SQLException e) {
            try {
                c.close();
            } catch (SQLException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return c;
    }

    @Override
    public String endpoint() {
        return "file:" + path;
    }

    // ---- reads ---------------------------------------------------------------------------

    @Override
    public Optional<KeyValue> get(String key) {
        return read(() -> {
            try (PreparedStatement ps = conn.prepareStatement(
                    "SELECT key, value, create_rev, mod_rev, expires_at FROM kv WHERE key = ? AND (expires_at IS NULL OR expires_at > ?)")) {
                ps.setString(1, key);
                ps.setLong(2, clock.millis());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(kv(rs)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public ListResult list(String prefix) {
        return read(() -> new ListResult(listLocked(prefix), meta("rev")));
    }

    private List<KeyValue> listLocked(String prefix) throws SQLException {
        List<KeyValue> out = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement(
                "SELECT key, value, create_rev, mod_rev, expires_at FROM kv WHERE key >= ? AND key < ?"
                        + " AND (expires_at IS NULL OR expires_at > ?) ORDER BY key")) {
            ps.setString(1, prefix);
            ps.setString(2, prefixEnd(prefix));
            ps.setLong(3, clock.millis());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(kv(rs));
                }
            }
        }
        return out;
    }

    // ---- writes --------------------------------------------------------------------------

    @Override
    public long put(String key, String value, Duration ttl) {
        return write(() -> upsert(key, value, ttl, currentRow(key)));
    }

    @Override
    public OptionalLong create(String key, String value, Duration ttl) {
        return write(() -> currentRow(key) != null ? OptionalLong.empty()
                : OptionalLong.of(upsert(key, value, ttl, null)));
    }

    @Override
    public OptionalLong compareAndSet(String key, long expectedModRevision, String value, Duration ttl) {
        return write(() -> {
            KeyValue cur = currentRow(key);
            if (cur == null || cur.modRevision() != expectedModRevision) {
                return OptionalLong.empty();
            }
            return OptionalLong.of(upsert(key, value, ttl, cur));
        });
    }

    @Override
    public boolean delete(String key) {
        return write(() -> {
            KeyValue cur = currentRow(key);
            if (cur == null) {
                return false;
            }
            remove(cur);
            return true;
        });
    }

    @Override
    public boolean compareAndDelete(String key, long expectedModRevision) {
        return write(() -> {
            KeyValue cur = currentRow(key);
            if (cur == null || cur.modRevision() != expectedModRevision) {
                return false;
            }
            remove(cur);
            return true;
        });
    }

    @Override
    public boolean keepAlive(String key) {
        return write(() -> {
            try (PreparedStatement ps = conn.prepareStatement(
                    "UPDATE kv SET expires_at = ? + ttl_ms WHERE key = ? AND ttl_ms IS NOT NULL")) {
                ps.setLong(1, clock.millis());
                ps.setString(2, key);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /** The live row for {@code key}, after expired rows were reaped in this transaction. */
    private KeyValue currentRow(String key) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(
                "SELECT key, value, create_rev, mod_rev, expires_at FROM kv WHERE key = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? kv(rs) : null;
            }
        }
    }

    private long upsert(String key, String value, Duration ttl, KeyValue prev) throws SQLException {
        long rev = nextRev();
        long createRev = prev == null ? rev : prev.createRevision();
        Long ttlMs = ttl == null ? null : Math.max(1, ttl.toMillis());
        Long expires = ttlMs == null ? null : clock.millis() + ttlMs;
        try (PreparedStatement ps = conn.prepareStatement(
                "INSERT OR REPLACE INTO kv(key, value, create_rev, mod_rev, ttl_ms, expires_at) VALUES (?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, key);
            ps.setString(2, value);
            ps.setLong(3, createRev);
            ps.setLong(4, rev);
            setLong(ps, 5, ttlMs);
            setLong(ps, 6, expires);
            ps.executeUpdate();
        }
        appendLog(rev, key, value, createRev, expires, false, null);
        return rev;
    }

    private void remove(KeyValue cur) throws SQLException {
        long rev = nextRev();
        try (PreparedStatement ps = conn.prepareStatement("DELETE FROM kv WHERE key = ?")) {
            ps.setString(1, cur.key());
            ps.executeUpdate();
        }
        appendLog(rev, cur.key(), null, cur.createRevision(), null, true, cur.value());
    }

    /** Deletes every key whose TTL has lapsed, logging each as a delete. Runs inside a write transaction. */
    private void reapExpired() throws SQLException {
        List<KeyValue> expired = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement(
                "SELECT key, value, create_rev, mod_rev, expires_at FROM kv WHERE expires_at IS NOT NULL AND expires_at <= ?")) {
            ps.setLong(1, clock.millis());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    expired.add(kv(rs));
                }
            }
        }
        for (KeyValue kv : expired) {
            remove(kv);
        }
    }

    /** The commits this connection has seen. Called under {@link #lock}, in a transaction. */
    private Seen seen() throws SQLException {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("PRAGMA data_version")) {
            return new Seen(rs.next() ? rs.getLong(1) : 0, ownCommits);
        }
    }

    /** When the next key lapses (epoch ms), or {@link Long#MAX_VALUE} if no key has a TTL. */
    private long nextExpiry() throws SQLException {
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT MIN(expires_at) FROM kv WHERE expires_at IS NOT NULL")) {
            long next = rs.next() ? rs.getLong(1) : 0;
            return rs.wasNull() ? Long.MAX_VALUE : next;
        }
    }

    private void appendLog(long rev, String key, String value, long createRev, Long expires, boolean deleted, String prev)
            throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(
                "INSERT INTO log(rev, key, value, create_rev, expires_at, deleted, prev) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            ps.setLong(1, rev);
            ps.setString(2, key);
            ps.setString(3, value);
            ps.setLong(4, createRev);
            setLong(ps, 5, expires);
            ps.setInt(6, deleted ? 1 : 0);
            ps.setString(7, prev);
            ps.executeUpdate();
        }
        if (rev % 1000 == 0) {
            compact(rev - LOG_RETAIN);
        }
    }

    /** Drops log entries up to and including {@code upTo}; watchers behind it will re-list. */
    void compact(long upTo) throws SQLException {
        if (upTo <= meta("compacted")) {
            return;
        }
        try (PreparedStatement ps = conn.prepareStatement("DELETE FROM log WHERE rev <= ?")) {
            ps.setLong(1, upTo);
            ps.executeUpdate();
        }
        setMeta("compacted", upTo);
    }

    /** Test hook: compacts the whole log as of now. */
    void compactAll() {
        write(() -> {
            compact(meta("rev"));
            return null;
        });
    }

    private long nextRev() throws SQLException {
        long rev = meta("rev") + 1;
        setMeta("rev", rev);
        return rev;
    }

    private long meta(String name) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT value FROM meta WHERE name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    /** {@code PRAGMA name} as this store's connection reads it (its settings, for tests). */
    long pragma(String name) {
        return read(() -> {
            try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("PRAGMA " + name)) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        });
    }

    private void setMeta(String name, long value) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("UPDATE meta SET value = ? WHERE name = ?")) {
            ps.setLong(1, value);
            ps.setString(2, name);
            ps.executeUpdate();
        }
    }

    // ---- watches -------------------------------------------------------------------------

    @Override
    public Watch watch(String prefix, long afterRevision, WatchListener listener) {
        SqliteWatch w = new SqliteWatch(prefix, afterRevision, listener);
        synchronized (lock) {
            ensureOpen();
            watches.add(w);
            if (poller == null) {
                changes = changesOf.apply(path);
                poller = new Thread(this::watchLoop, "sqlite-store-watch");
                poller.setDaemon(true);
                poller.start();
            } else {
                changes.wake(); // a watch from an older revision catches up now, not at the next change
            }
        }
        return w;
    }

    /** Whether the watches learn of changes from the kernel (false before the first watch, and when polling). */
    boolean notified() {
        synchronized (lock) {
            return changes != null && changes.notifying();
        }
    }

    /**
     * The watch thread: a round, then wait for a change, the next expiry or the safety poll; until closed. After a
     * reported change that the round did not see committed, it reads again soon (see the class comment).
     */
    private void watchLoop() {
        boolean reported = true;
        Seen seen = null;
        long settlingSince = 0; // System.nanoTime() of the last report or new commit while reading again soon; 0: not
        long recheckMs = RECHECK_FIRST_MS;
        while (!closed) {
            long wait = safetyPoll.toMillis();
            try {
                long ceiling = changes.notifying() ? safetyPoll.toMillis() : Math.min(safetyPoll.toMillis(), FALLBACK_POLL_MS);
                Round round = pollOnce();
                long untilExpiry = round.nextExpiry() == Long.MAX_VALUE ? Long.MAX_VALUE
                        : Math.max(1, round.nextExpiry() - clock.millis());
                wait = Math.min(ceiling, untilExpiry);
                long now = System.nanoTime();
                boolean newCommit = seen != null && round.seen() != null && !round.seen().equals(seen);
                if (round.seen() == null || seen == null) {
                    settlingSince = 0; // nothing read (no watch, a failed read) or the first read: nothing to compare
                } else if (newCommit || (reported && settlingSince == 0)) {
                    // The report, or the commit just found, may stand for more commits than this read saw.
                    settlingSince = now;
                    recheckMs = RECHECK_FIRST_MS;
                } // a report while settling with no new commit keeps the growing interval: reports can come faster than reads
                seen = round.seen();
                if (settlingSince != 0 && now - settlingSince < safetyPoll.toNanos()) {
                    wait = Math.min(wait, recheckMs);
                    recheckMs = Math.min(recheckMs * 4, safetyPoll.toMillis());
                } else {
                    settlingSince = 0;
                }
            } catch (RuntimeException e) { // a bug here must not end every watch of this store: log it, read again later
                log.error("watch thread on {} failed; reading again in {} ms", endpoint(), wait, e);
                settlingSince = 0;
            }
            try {
                reported = changes.await(Duration.ofMillis(wait));
            } catch (InterruptedException stop) {
                return;
            }
        }
    }

    /** The commits this connection has seen: other connections' ({@code PRAGMA data_version}) and its own. */
    record Seen(long dataVersion, long ownCommits) {
    }

    /**
     * What a watch round found.
     *
     * @param nextExpiry when the next key lapses (epoch ms on the store's clock), {@link Long#MAX_VALUE} for none
     * @param seen       the commits visible to the round, null if it did not read
     */
    record Round(long nextExpiry, Seen seen) {
    }

    /** One round of the watch thread: reap expired keys, then feed each watch what is new. */
    Round pollOnce() {
        if (closed || watches.isEmpty()) {
            return new Round(Long.MAX_VALUE, null);
        }
        try {
            Round round = read(() -> new Round(nextExpiry(), seen()));
            if (round.nextExpiry() <= clock.millis()) {
                long next = write(() -> nextExpiry()); // write() reaps before running its body
                round = new Round(next, read(this::seen));
            }
            for (SqliteWatch w : watches) {
                w.poll();
            }
            return round;
        } catch (RuntimeException e) {
            if (closed) {
                return new Round(Long.MAX_VALUE, null);
            }
            log.warn("watch poll on {} failed: {}", endpoint(), e.getMessage());
            for (SqliteWatch w : watches) {
                w.failed(e);
            }
            return new Round(Long.MAX_VALUE, null);
        }
    }

    private final class SqliteWatch implements Watch {
        private final String prefix;
        private final WatchListener listener;
        private long after;
        private boolean broken;
        private volatile boolean stopped;

        SqliteWatch(String prefix, long after, WatchListener listener) {
            this.prefix = prefix;
            this.after = after;
            this.listener = listener;
        }

        void poll() {
            if (stopped) {
                return;
            }
            record Batch(List<WatchEvent> events, long rev, ListResult reset) {
            }
            Batch b = read(() -> {
                long rev = meta("rev");
                if (broken || after < meta("compacted")) {
                    return new Batch(null, rev, new ListResult(listLocked(prefix), rev));
                }
                if (rev <= after) {
                    return null;
                }
                List<WatchEvent> events = new ArrayList<>();
                try (PreparedStatement ps = conn.prepareStatement(
                        "SELECT rev, key, value, create_rev, expires_at, deleted, prev FROM log"
                                + " WHERE rev > ? AND key >= ? AND key < ? ORDER BY rev")) {
                    ps.setLong(1, after);
                    ps.setString(2, prefix);
                    ps.setString(3, prefixEnd(prefix));
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            long r = rs.getLong(1);
                            String key = rs.getString(2);
                            if (rs.getInt(6) == 1) {
                                events.add(new WatchEvent.Delete(key, r, rs.getString(7)));
                            } else {
                                long exp = rs.getLong(5);
                                Instant expiresAt = rs.wasNull() ? null : Instant.ofEpochMilli(exp);
                                events.add(new WatchEvent.Put(new KeyValue(key, rs.getString(3), rs.getLong(4), r, expiresAt)));
                            }
                        }
                    }
                }
                return new Batch(events, rev, null);
            });
            if (b == null || stopped) {
                return;
            }
            after = b.rev();
            broken = false;
            try {
                if (b.reset() != null) {
                    listener.onReset(b.reset());
                } else if (!b.events().isEmpty()) {
                    listener.onEvents(b.events(), b.rev());
                }
            } catch (RuntimeException e) {
                log.error("watch listener on {} threw", prefix, e);
            }
        }

        void failed(Exception e) {
            broken = true;
            try {
                listener.onError(e);
            } catch (RuntimeException ex) {
                log.error("watch listener on {} threw", prefix, ex);
            }
        }

        @Override
        public void close() {
            stopped = true;
            watches.remove(this);
        }
    }

    // ---- plumbing ------------------------------------------------------------------------

    @FunctionalInterface
    private interface Body<T> {
        T run() throws SQLException;
    }

    private <T> T read(Body<T> body) {
        return transaction("BEGIN DEFERRED", false, body);
    }

    private <T> T write(Body<T> body) {
        // BEGIN IMMEDIATE takes the write lock up front, so two processes never both
        // read-then-write the same key; SQLite's busy timeout queues the second writer.
        return transaction("BEGIN IMMEDIATE", true, body);
    }

    private <T> T transaction(String begin, boolean reap, Body<T> body) {
        synchronized (lock) {
            ensureOpen();
            try (Statement st = conn.createStatement()) {
                st.execute(begin);
                try {
                    if (reap) {
                        reapExpired();
                    }
                    T result = body.run();
                    st.execute("COMMIT");
                    if (reap) {
                        ownCommits++; // a write: its own watch thread sees it by this count, not data_version
                    }
                    return result;
                } catch (SQLException | RuntimeException e) {
                    try {
                        st.execute("ROLLBACK");
                    } catch (SQLException ignored) {
                        // the transaction is already gone
                    }
                    throw e;
                }
            } catch (SQLException e) {
                throw new StoreException("store " + endpoint() + " failed: " + e.getMessage(), e);
            }
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new StoreException("store " + endpoint() + " is closed");
        }
    }

    private static KeyValue kv(ResultSet rs) throws SQLException {
        long exp = rs.getLong(5);
        Instant expiresAt = rs.wasNull() ? null : Instant.ofEpochMilli(exp);
        return new KeyValue(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4), expiresAt);
    }

    private static void setLong(PreparedStatement ps, int i, Long v) throws SQLException {
        if (v == null) {
            ps.setNull(i, java.sql.Types.INTEGER);
        } else {
            ps.setLong(i, v);
        }
    }

    /** The smallest string greater than every string that starts with {@code prefix}. */
    static String prefixEnd(String prefix) {
        if (prefix.isEmpty()) {
            return "\uffff";
        }
        char last = prefix.charAt(prefix.length() - 1);
        return prefix.substring(0, prefix.length() - 1) + (char) (last + 1);
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            if (poller != null) {
                changes.close(); // ends the watch thread's wait; it then sees closed
            }
            try {
                conn.close();
            } catch (SQLException e) {
                log.debug("closing {}: {}", endpoint(), e.getMessage());
            }
        }
    }
}

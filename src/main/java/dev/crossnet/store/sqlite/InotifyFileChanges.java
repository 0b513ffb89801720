package dev.crossnet.store.sqlite;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link FileChanges} by inotify (java.nio's {@link WatchService} on Linux) on the database's
 * directory, filtered to the database file and its WAL. A commit appends to the WAL with write(2),
 * which inotify reports; readers write neither file (they use the mmapped {@code -shm}).
 *
 * <p>Where no notification is to be had (the per-user inotify instance limit is reached, or the
 * file system does not report changes, e.g. NFS), {@link #notifying()} is false and {@link #await}
 * only waits out its timeout or a {@link #wake}: the caller then polls, as it must anyway to catch
 * what a notification can miss. Thread-safe; one waiter at a time.
 */
final class InotifyFileChanges implements FileChanges {
    private static final Logger log = LoggerFactory.getLogger(InotifyFileChanges.class);

    private final Path db;
    private final String dbName;
    private final String walName;
    private final Object monitor = new Object();
    private boolean woken; // guarded by monitor
    private boolean closed; // guarded by monitor
    private volatile WatchService service; // null: no notification

    private InotifyFileChanges(Path db) {
        this.db = db;
        this.dbName = db.getFileName().toString();
        this.walName = dbName + "-wal";
        this.service = open(db);
    }

    /** Starts following changes to {@code db} (an absolute path); never fails, see {@link #notifying()}. */
    static InotifyFileChanges of(Path db) {
        return new InotifyFileChanges(db);
    }

    private static WatchService open(Path db) {
        WatchService ws = null;
        try {
            ws = FileSystems.getDefault().newWatchService();
            db.getParent().register(ws, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
            return ws;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            log.info("store {}: no change notification for its files ({}); its watches poll it instead", db, e.getMessage());
            closeQuietly(ws);
            return null;
        }
    }

    @Override
    public boolean notifying() {
        return service != null;
    }

    @Override
    public boolean await(Duration timeout) throws InterruptedException {
        WatchService ws;
        synchronized (monitor) {
            if (closed) {
                throw new InterruptedException("closed");
            }
            ws = service;
            if (woken || ws == null) {
                if (!woken) {
                    monitor.wait(Math.max(1, timeout.toMillis()));
                }
                boolean was = woken;
                woken = false;
                if (closed) {
                    throw new InterruptedException("closed");
                }
                return was;
            }
        }
        return awaitChange(ws, timeout);
    }

    private boolean awaitChange(WatchService ws, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                WatchKey key = left <= 0 ? ws.poll() : ws.poll(left, TimeUnit.NANOSECONDS);
                if (key == null) {
                    return false;
                }
                boolean changed = false;
                while (key != null) { // drain: one answer for a burst of writes
                    changed |= relevant(key);
                    key.reset();
                    key = ws.poll();
                }
                if (changed) {
                    return true;
                }
                // only other files in the directory changed: wait on
            }
        } catch (ClosedWatchServiceException swappedOrClosed) {
            synchronized (monitor) {
                if (closed) {
                    throw new InterruptedException("closed");
                }
                woken = false;
            }
            return true;
        }
    }

    private boolean relevant(WatchKey key) {
        boolean hit = false;
        for (WatchEvent<?> e : key.pollEvents()) {
            if (e.kind() == StandardWatchEventKinds.OVERFLOW) {
                hit = true;
            } else {
                String name = e.context().toString();
                hit |= name.equals(dbName) || name.equals(walName);
            }
        }
        return hit;
    }

    /**
     * {@inheritDoc} A waiter blocked on the kernel's notification is woken the one way {@link WatchService}
     * allows: the service is replaced by a fresh one (registered first, so no change goes unreported) and the
     * old one closed.
     */
    @Override
    public void wake() {
        WatchService old;
        synchronized (monitor) {
            if (closed) {
                return;
            }
            woken = true;
            monitor.notifyAll();
            old = service;
            if (old == null) {
                return;
            }
            service = open(db);
        }
        closeQuietly(old);
    }

    @Override
    public void close() {
        WatchService ws;
        synchronized (monitor) {
            closed = true;
            monitor.notifyAll();
            ws = service;
        }
        closeQuietly(ws);
    }

    private static void closeQuietly(WatchService ws) {
        if (ws != null) {
            try {
                ws.close();
            } catch (IOException e) {
                log.debug("closing a watch service: {}", e.getMessage());
            }
        }
    }
}

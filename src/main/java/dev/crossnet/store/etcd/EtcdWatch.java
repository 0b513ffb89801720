package dev.crossnet.store.etcd;

import static dev.crossnet.store.etcd.EtcdConnection.bytes;
import static dev.crossnet.store.etcd.EtcdConnection.string;

import dev.crossnet.store.KeyValue;
import dev.crossnet.store.ListResult;
import dev.crossnet.store.Watch;
import dev.crossnet.store.WatchEvent;
import dev.crossnet.store.WatchListener;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link dev.crossnet.store.Store#watch} on etcd.
 *
 * <p>How it works. A jetcd watch on the prefix starts at {@code afterRevision + 1}. Its responses
 * are converted to our events and handed, in arrival order, to a single thread owned by this watch,
 * which is the only thread that calls the listener. When etcd says the start revision was
 * compacted, the watch re-lists at once and calls {@code onReset}. On any other error (etcd
 * down, connection lost) it calls {@code onError}, waits (exponential backoff, 200 ms to 5 s),
 * re-lists and calls {@code onReset}, then watches again from the snapshot's revision; if the
 * re-list fails too it reports again and backs off further. jetcd's own watch resume is switched
 * off by closing its watcher on the first error, so there is exactly one recovery path.
 *
 * <p>Each jetcd watcher gets a generation number; output from a watcher that has been replaced is
 * dropped, so a late event from an old stream can never follow a reset.
 */
final class EtcdWatch implements Watch {
    private static final Logger log = LoggerFactory.getLogger(EtcdWatch.class);
    private static final Duration MIN_BACKOFF = Duration.ofMillis(200);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final EtcdStore store;
    private final EtcdConnection conn;
    private final String prefix;
    private final WatchListener listener;
    private final Consumer<EtcdWatch> onClose;
    private final ScheduledExecutorService thread;
    private final Object lock = new Object();
    // Guarded by lock.
    private io.etcd.jetcd.Watch.Watcher watcher;
    private long generation;
    // Confined to the watch thread.
    private long after;
    private long backoffMillis = MIN_BACKOFF.toMillis();
    private volatile boolean closed;

    EtcdWatch(EtcdStore store, EtcdConnection conn, String prefix, long afterRevision, WatchListener listener,
              Consumer<EtcdWatch> onClose) {
        this.store = store;
        this.conn = conn;
        this.prefix = prefix;
        this.after = afterRevision;
        this.listener = listener;
        this.onClose = onClose;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "etcd-watch " + prefix);
            t.setDaemon(true);
            return t;
        });
    }

    void start() {
        thread.execute(() -> subscribe(after));
    }

    /** Opens a jetcd watch from {@code afterRevision + 1}, replacing any earlier one. Watch thread. */
    private void subscribe(long afterRevision) {
        synchronized (lock) {
            if (closed) {
                return;
            }
            if (watcher != null) {
                watcher.close();
            }
            long gen = ++generation;
            WatchOption opt = WatchOption.builder().isPrefix(true).withPrevKV(true)
                    .withRevision(afterRevision + 1).build();
            try {
                watcher = conn.client().getWatchClient().watch(bytes(prefix), opt, io.etcd.jetcd.Watch.listener(
                        r -> onResponse(gen, r), e -> onFailure(gen, e)));
            } catch (RuntimeException e) {
                // The client refused outright (closed, or failed to build a stream): same recovery.
                watcher = null;
                onFailure(gen, e);
            }
        }
    }

    /**
     * Watches on from where this watch is, through the connection's current client (its endpoints
     * changed): no gap and no reset, since the new stream starts after the last revision delivered,
     * and whatever the old stream still had queued is dropped (its generation is over). Does not
     * wait.
     */
    void moveToCurrentClient() {
        try {
            thread.execute(() -> {
                if (!closed) {
                    subscribe(after);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    /** jetcd's thread: convert now (cheap, no I/O) and queue; TTL lookups happen on our thread. */
    private void onResponse(long gen, WatchResponse r) {
        List<io.etcd.jetcd.watch.WatchEvent> raw = r.getEvents();
        if (raw.isEmpty()) {
            return;
        }
        long revision = r.getHeader().getRevision();
        enqueue(gen, () -> deliver(raw, revision));
    }

    private void onFailure(long gen, Throwable e) {
        enqueue(gen, () -> recover(e));
    }

    private void enqueue(long gen, Runnable task) {
        if (closed) {
            return;
        }
        try {
            thread.execute(() -> {
                synchronized (lock) {
                    if (closed || gen != generation) {
                        return; // from a watcher that was replaced or closed
                    }
                }
                task.run();
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    private void deliver(List<io.etcd.jetcd.watch.WatchEvent> raw, long revision) {
        List<io.etcd.jetcd.KeyValue> puts = new ArrayList<>();
        for (io.etcd.jetcd.watch.WatchEvent e : raw) {
            if (e.getEventType() == io.etcd.jetcd.watch.WatchEvent.EventType.PUT) {
                puts.add(e.getKeyValue());
            }
        }
        List<KeyValue> converted;
        try {
            converted = store.withExpiry(puts);
        } catch (RuntimeException e) {
            recover(e); // the events are not lost: the reset's snapshot covers them
            return;
        }
        List<WatchEvent> events = new ArrayList<>(raw.size());
        int p = 0;
        long newest = after;
        for (io.etcd.jetcd.watch.WatchEvent e : raw) {
            long rev = e.getKeyValue().getModRevision();
            newest = Math.max(newest, rev);
            if (e.getEventType() == io.etcd.jetcd.watch.WatchEvent.EventType.PUT) {
                events.add(new WatchEvent.Put(converted.get(p++)));
            } else if (e.getEventType() == io.etcd.jetcd.watch.WatchEvent.EventType.DELETE) {
                io.etcd.jetcd.KeyValue prev = e.getPrevKV();
                String previous = prev == null || prev.getKey().isEmpty() ? null : string(prev.getValue());
                events.add(new WatchEvent.Delete(string(e.getKeyValue().getKey()), rev, previous));
            }
        }
        after = Math.max(newest, revision);
        backoffMillis = MIN_BACKOFF.toMillis();
        if (!events.isEmpty() && !closed) {
            call(() -> listener.onEvents(events, after));
        }
    }

    /** Watch thread: report (unless it was a compaction), back off, re-list, reset, watch again. */
    private void recover(Throwable e) {
        synchronized (lock) {
            if (closed) {
                return;
            }
            // Stop jetcd from resuming this stream by itself, and orphan whatever it still sends.
            if (watcher != null) {
                watcher.close();
                watcher = null;
            }
            generation++;
        }
        long delay = 0;
        if (!(e instanceof CompactedException)) {
            log.warn("watch on {} at {} failed: {}", prefix, conn.endpoints(), EtcdConnection.reason(e));
            Exception reported = e instanceof Exception ex ? ex : new RuntimeException(e);
            call(() -> listener.onError(reported));
            delay = backoffMillis;
            backoffMillis = Math.min(backoffMillis * 2, MAX_BACKOFF.toMillis());
        }
        try {
            thread.schedule(this::resync, delay, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException ex) {
            // closed meanwhile
        }
    }

    private void resync() {
        if (closed) {
            return;
        }
        ListResult snapshot;
        try {
            snapshot = store.list(prefix);
        } catch (RuntimeException e) {
            recover(e);
            return;
        }
        if (closed) {
            return;
        }
        after = snapshot.revision();
        call(() -> listener.onReset(snapshot));
        subscribe(after);
    }

    private void call(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            log.error("watch listener on {} threw", prefix, e);
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            if (watcher != null) {
                watcher.close();
                watcher = null;
            }
        }
        thread.shutdownNow();
        onClose.accept(this);
    }
}

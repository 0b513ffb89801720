package dev.crossnet.reconcile;

import dev.crossnet.CrossnetException;
import dev.crossnet.store.ListResult;
import dev.crossnet.store.WatchEvent;
import dev.crossnet.store.WatchListener;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread from the store to the kernel. Everything that changes kernel state runs here, one
 * thing at a time: the store watches' events ({@link #onLoop(WatchListener)}), the periodic passes
 * of each control path ({@link Task}s) and the Docker plugin calls that program the kernel
 * ({@link #call}). Each turn first runs everything queued (in arrival order), then every task, so a
 * burst of watch events costs one reconcile, not one per event.
 *
 * <p>Snapshot recovery is the store's: a watch that fell behind re-lists and its listener's
 * {@code onReset} gets the snapshot, here on the loop thread, for the caller's pure differ.
 *
 * <p>Thread-safe: {@link #execute}, {@link #call} and the wrapped listeners may be used from any thread.
 */
public final class ReconcileLoop implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReconcileLoop.class);
    /** The longest the loop sleeps, so that tasks notice their own due times and the agent stays "alive". */
    static final long MAX_WAIT_MS = 1000;

    /** One control path's periodic work. Runs on the loop thread, after the queued work of each turn. */
    public interface Task {
        /** When this task next has something due, or null when only queued work wakes it. Called on the loop thread. */
        Instant wakeAt();

        /** Does what is due (and reconciles what the queued work changed). Cheap when nothing is. Never throws. */
        void run();
    }

    private final Clock clock;
    private final BlockingQueue<Runnable> inbox = new LinkedBlockingQueue<>();
    private final List<Task> tasks = new CopyOnWriteArrayList<>();
    private volatile Thread owner;
    private volatile boolean closed;

    public ReconcileLoop(Clock clock) {
        this.clock = clock;
    }

    /** Adds a task; it runs from the next turn on. */
    public void add(Task task) {
        tasks.add(task);
    }

    /** Queues {@code work} for the loop thread. Non-blocking. */
    public void execute(Runnable work) {
        inbox.add(work);
    }

    /**
     * Runs {@code work} on the loop thread and returns its result; blocks until it ran. On the loop
     * thread itself it runs at once.
     *
     * @throws RuntimeException what {@code work} threw
     * @throws CrossnetException when the loop is closed or the caller is interrupted
     */
    public <T> T call(Supplier<T> work) {
        if (Thread.currentThread() == owner) {
            return work.get();
        }
        if (closed) {
            throw new CrossnetException("the agent is stopping");
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        inbox.add(new PendingCall(() -> {
            try {
                result.complete(work.get());
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        }, result));
        if (closed) {
            failPending(); // the loop may have ended before our call was queued
        }
        try {
            return result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CrossnetException("interrupted while waiting for the reconcile loop");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new CrossnetException(e.getCause().getMessage(), e);
        }
    }

    /**
     * A listener that hands {@code listener}'s calls to the loop thread, in order, for a store
     * watch (one watch per prefix). {@code onError} is logged by the caller's listener on the loop too.
     */
    public WatchListener onLoop(WatchListener listener) {
        return new WatchListener() {
            @Override
            public void onEvents(List<WatchEvent> events, long revision) {
                execute(() -> listener.onEvents(events, revision));
            }

            @Override
            public void onReset(ListResult snapshot) {
                execute(() -> listener.onReset(snapshot));
            }

            @Override
            public void onError(Exception e) {
                execute(() -> listener.onError(e));
            }
        };
    }

    /** Runs the loop on the calling thread until {@link #close}. Blocking. */
    public void run() {
        owner = Thread.currentThread();
        try {
            while (!closed) {
                Runnable first;
                try {
                    first = inbox.poll(waitMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                turn(first);
            }
        } finally {
            owner = null;
            failPending();
        }
    }

    /** One turn without waiting, on the calling thread: for tests that drive time with a fake clock. */
    public void runOnce() {
        Thread before = owner;
        owner = Thread.currentThread();
        try {
            turn(inbox.poll());
        } finally {
            owner = before;
        }
    }

    private void turn(Runnable first) {
        Runnable work = first;
        while (work != null && !closed) {
            guarded(work);
            work = inbox.poll();
        }
        for (Task t : tasks) {
            if (!closed) {
                guarded(t::run);
            }
        }
    }

    private static void guarded(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            log.error("reconcile loop: {}", e.getMessage() == null ? e.toString() : e.getMessage(), e);
        }
    }

    /** Until the earliest task wake-up, at most {@link #MAX_WAIT_MS}. */
    private long waitMillis() {
        Instant now = clock.instant();
        long wait = MAX_WAIT_MS;
        for (Task t : tasks) {
            Instant at = t.wakeAt();
            if (at != null) {
                wait = Math.min(wait, Math.max(0, Duration.between(now, at).toMillis()));
            }
        }
        return wait;
    }

    /** Calls waiting in {@link #call} when the loop ends get an error instead of waiting for ever; other work is dropped. */
    private void failPending() {
        Runnable r;
        while ((r = inbox.poll()) != null) {
            if (r instanceof PendingCall c) {
                c.result().completeExceptionally(new CrossnetException("the agent is stopping"));
            }
        }
    }

    private record PendingCall(Runnable work, CompletableFuture<?> result) implements Runnable {
        @Override
        public void run() {
            work.run();
        }
    }

    /** Whether {@link #close} was called. */
    public boolean isClosed() {
        return closed;
    }

    /** Ends {@link #run} after its current turn. Idempotent; leaves kernel state in place. */
    @Override
    public void close() {
        closed = true;
        inbox.add(() -> { });
    }
}

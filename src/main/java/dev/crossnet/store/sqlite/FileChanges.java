package dev.crossnet.store.sqlite;

import java.io.Closeable;
import java.time.Duration;

/**
 * Tells the embedded store's watch thread that its database may have changed, whichever process on this machine
 * wrote it ({@link InotifyFileChanges}). A report says that a file was written, not that a commit is visible: a
 * writer's first write(2) to the WAL comes before the rest of its frames, their fsync and the update of the
 * shared WAL index that makes the commit visible to readers, and nothing is reported after that. Thread-safe;
 * one waiter at a time.
 */
interface FileChanges extends Closeable {
    /** Whether changes are reported at all; if not, {@link #await} only waits. */
    boolean notifying();

    /**
     * Waits until the database or its WAL was written, {@link #wake} was called, or {@code timeout} passed.
     * Changes and wakes since the previous call count (none falls between two waits); all that are pending are
     * consumed.
     *
     * @return true if woken or a change (or an overflow of the kernel's queue) was reported
     * @throws InterruptedException if interrupted, and once closed, so that the waiter stops
     */
    boolean await(Duration timeout) throws InterruptedException;

    /** Ends the current or next {@link #await} at once (returning true). Meant for rare events, such as a new watch that must catch up. */
    void wake();

    /** Ends the waiter (its {@link #await} throws). Idempotent. */
    @Override
    void close();
}

package dev.crossnet.docker.lab;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Mutual exclusion on one lock file between the threads of this JVM and other processes.
 *
 * <p>Two locks, taken in this order: a {@link ReentrantLock} per lock file for the threads of this
 * JVM, then an exclusive {@link FileChannel#lock()} on the file (a POSIX record lock) for other
 * processes. The first is needed because file locks belong to the whole process: a second thread
 * asking for the file lock would get an {@link java.nio.channels.OverlappingFileLockException},
 * not a wait. For the same reason nothing else in the process may open the lock file (closing any
 * descriptor of it would drop the lock). The kernel drops the lock when its process dies, so a
 * crash leaves nothing held. The lock file itself stays (empty): deleting it while another process
 * waits on it would let a third lock a new file of the same name and run alongside.
 *
 * <p>Blocking, interruptibly. Not reentrant: a thread must not ask again for a lock it holds.
 */
public final class FileMutex implements AutoCloseable {
    private static final ConcurrentMap<Path, ReentrantLock> IN_JVM = new ConcurrentHashMap<>();

    private final ReentrantLock jvmLock;
    private final FileChannel channel;

    private FileMutex(ReentrantLock jvmLock, FileChannel channel) {
        this.jvmLock = jvmLock;
        this.channel = channel;
    }

    /**
     * Blocks until this thread holds {@code lockFile} (created, with its parent directories, if
     * missing); {@link #close} releases it.
     *
     * @throws IOException if the file cannot be created or locked, or the thread is interrupted
     *     while waiting ({@link java.nio.channels.FileLockInterruptionException} or
     *     {@link java.io.InterruptedIOException})
     * @throws IllegalStateException if this thread already holds it
     */
    public static FileMutex lock(Path lockFile) throws IOException {
        Path dir = lockFile.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        // One key per file, however it was named, so that two names of one file share one lock.
        Path key = dir.toRealPath().resolve(lockFile.getFileName());
        ReentrantLock jvmLock = IN_JVM.computeIfAbsent(key, k -> new ReentrantLock());
        if (jvmLock.isHeldByCurrentThread()) {
            throw new IllegalStateException(key + " is already locked by this thread");
        }
        try {
            jvmLock.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while waiting for " + key);
        }
        FileChannel ch = null;
        try {
            ch = FileChannel.open(key, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            ch.lock();
            return new FileMutex(jvmLock, ch);
        } catch (IOException | RuntimeException | Error e) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            jvmLock.unlock();
            throw e;
        }
    }

    /** Releases the lock (closing the channel drops the file lock). Idempotent for its thread. */
    @Override
    public void close() throws IOException {
        if (!jvmLock.isHeldByCurrentThread()) {
            return;
        }
        try {
            channel.close();
        } finally {
            jvmLock.unlock();
        }
    }
}

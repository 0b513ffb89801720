package dev.crossnet.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock, across JVMs, on a part of this machine that integration tests cannot make a
 * private copy of, such as the machine's own dpkg database and {@code /etc/systemd/system}. ITs may
 * run several classes at once, each in a JVM of its own ({@code -Dit.forkCount}); the classes that
 * use such a part hold its lock for their whole run, so they take turns. A lock file under
 * {@code /run/lock} with {@code flock}: the kernel drops it if the JVM dies. Blocking; one holder per
 * JVM at a time.
 */
public final class MachineLock implements AutoCloseable {
    /** The machine's packages, and what they install and enable ({@code /usr}, {@code /etc/systemd/system}). */
    public static final String PACKAGES = "packages";

    private final FileChannel channel;
    private final FileLock lock;

    private MachineLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Waits until no other JVM holds the lock on {@code part}, then takes it. */
    public static MachineLock take(String part) {
        Path file = Path.of("/run/lock/crossnet-it-" + part + ".lock");
        try {
            Files.createDirectories(file.getParent());
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                return new MachineLock(ch, ch.lock());
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + file, e);
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

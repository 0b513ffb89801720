package dev.crossnet.docker.lab;

import dev.crossnet.CrossnetException;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * The one containerd every lab dockerd shares, on {@value #SOCKET}. Started if nothing answers
 * there, and then left running for later runs and other users: it is shared machine state, like
 * the kernel. Each dockerd keeps to its own containerd namespace.
 */
public final class Containerd {
    public static final String SOCKET = "/run/containerd/containerd.sock";
    /** Held while one thread of one process checks for containerd and starts it. */
    static final Path START_LOCK = Path.of("/run/lock/crossnet-containerd.lock");

    private Containerd() {
    }

    /** Whether a containerd accepts connections on {@link #SOCKET}. Does not block beyond a connect. */
    public static boolean isRunning() {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(SOCKET))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Starts containerd (detached, logging to {@code log}) unless one is running; blocks until it
     * accepts connections or {@code timeout} passes. Idempotent, and safe for several threads and
     * processes at once (a lab and a test on a machine where containerd is not running yet): the
     * check and the start happen under {@link #START_LOCK}, so only one containerd is started.
     */
    public static void ensureRunning(Path log, Duration timeout) {
        if (isRunning()) {
            return;
        }
        try (FileMutex lock = FileMutex.lock(START_LOCK)) {
            if (!isRunning()) {
                start(log, timeout);
            }
        } catch (IOException e) {
            throw new CrossnetException("cannot start containerd: " + START_LOCK + ": " + e.getMessage(), e);
        }
    }

    private static void start(Path log, Duration timeout) {
        try {
            new ProcessBuilder("containerd", "--address", SOCKET)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start()
                    .getOutputStream().close();
        } catch (IOException e) {
            throw new CrossnetException("cannot start containerd: " + e.getMessage(), e);
        }
        Instant deadline = Instant.now().plus(timeout);
        while (!isRunning()) {
            if (Instant.now().isAfter(deadline)) {
                throw new CrossnetException("containerd did not accept connections on " + SOCKET + " within " + timeout + "; see " + log);
            }
            pause();
        }
    }

    static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CrossnetException("interrupted", e);
        }
    }
}

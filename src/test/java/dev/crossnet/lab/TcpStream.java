package dev.crossnet.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crossnet.kernel.linux.Netns;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * One TCP connection between two containers of a lab, driven from the test's JVM: the sender
 * writes seeded random bytes until {@link #stop()} (or until {@code size} bytes), the receiver
 * counts and hashes what arrives. What the tests check is on the receiving side: bytes keep
 * arriving ({@link #awaitMore}), and in the end the same bytes arrived as were sent
 * ({@link #assertIntact}). A reset or any other socket error on either end fails both at once.
 *
 * <p>Both ends run on threads of their own; the sockets are made inside the containers'
 * namespaces (a lab's, or a Docker container's: see {@link End}). Thread-safe. {@link #close()}
 * tears both ends down whatever happened.
 */
public final class TcpStream implements AutoCloseable {
    /**
     * More than the receiver's kernel may hold unread (tcp_rmem's default maximum is 6 MiB) plus
     * what is in flight, so that this many new bytes at the receiver crossed the network after the
     * mark was taken, not before.
     */
    public static final long MORE_THAN_BUFFERED = 16L << 20;
    /**
     * The most a stream {@link #untilStopped} sends per second: enough to see it flow, little
     * enough that hashing it does not take the CPU from the agents the test restarts.
     */
    static final long PACE = 64L << 20;

    private final String what;
    private final ServerSocket server;
    private final Socket client;
    private final CompletableFuture<String> sent = new CompletableFuture<>();
    private final CompletableFuture<String> got = new CompletableFuture<>();
    private volatile Socket accepted;
    private volatile boolean stopping;
    private volatile long received;
    private volatile long longestGapNanos;

    /**
     * One end of a stream: a name for messages, the network namespace ({@link Netns#run}: a name
     * under {@code /var/run/netns}, or a path such as a Docker container's {@code /proc/PID/ns/net}) and the address.
     */
    public record End(String name, String netns, String ip) {
        /** Container {@code name} of {@code lab}. */
        public static End of(Lab lab, String name) {
            return new End(name, lab.nsOf(name), lab.ip(name));
        }
    }

    private TcpStream(End from, End to, int port, long size, long pace) {
        this.what = "tcp " + from.name() + " -> " + to.name() + ":" + port;
        this.server = Netns.run(to.netns(), () -> new ServerSocket(port, 1, InetAddress.getByName(to.ip())));
        thread("recv", () -> got.complete(receive()), got);
        try {
            this.client = Netns.run(from.netns(), () -> {
                Socket s = new Socket();
                s.connect(new InetSocketAddress(to.ip(), port), 30_000);
                return s;
            });
        } catch (RuntimeException e) {
            closeQuietly(server);
            throw e;
        }
        thread("send", () -> sent.complete(send(port, size, pace)), sent);
    }

    /** A stream that runs until {@link #stop()}, at most {@link #PACE} bytes a second. */
    static TcpStream untilStopped(Lab lab, String from, String to, int port) {
        return untilStopped(End.of(lab, from), End.of(lab, to), port);
    }

    /** A stream from {@code from} to {@code to} that runs until {@link #stop()}, at most {@link #PACE} bytes a second. */
    public static TcpStream untilStopped(End from, End to, int port) {
        return new TcpStream(from, to, port, Long.MAX_VALUE, PACE);
    }

    /** A stream of {@code size} bytes (rounded up to whole MiB) as fast as it goes, then the sender closes. */
    static TcpStream ofSize(Lab lab, String from, String to, int port, long size) {
        return new TcpStream(End.of(lab, from), End.of(lab, to), port, size, Long.MAX_VALUE);
    }

    /** Bytes the receiver has read so far. */
    public long received() {
        return received;
    }

    /** The longest time between two reads at the receiver, for information only. */
    public long longestGapMillis() {
        return longestGapNanos / 1_000_000;
    }

    /**
     * Waits until {@code bytes} more than now have arrived at the receiver, within {@code atMost};
     * fails at once if either end has failed (a reset, say) or the stream ended early.
     */
    public void awaitMore(String when, long bytes, Duration atMost) {
        long mark = received;
        await(what + ": " + bytes + " more bytes received " + when).atMost(atMost).pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    failIfBroken();
                    return received >= mark + bytes;
                });
    }

    /** Asks the sender to close after the chunk it is writing; {@link #assertIntact} waits for the end. */
    public void stop() {
        stopping = true;
    }

    /**
     * Waits for the sender to finish and the receiver to read to the end, then checks that the
     * receiver got exactly what was sent (length and SHA-256). Fails on an error at either end.
     */
    public void assertIntact(Duration atMost) throws InterruptedException {
        String s = result(sent, "sender", atMost);
        String g = result(got, "receiver", atMost);
        assertThat(g).as(what + ": what arrived, against what was sent").isEqualTo(s);
    }

    @Override
    public void close() {
        stopping = true;
        closeQuietly(client);
        closeQuietly(accepted);
        closeQuietly(server);
    }

    private void failIfBroken() throws InterruptedException {
        for (CompletableFuture<String> f : List.of(sent, got)) {
            if (f.isCompletedExceptionally()) {
                result(f, f == sent ? "sender" : "receiver", Duration.ZERO);
            }
        }
        if (got.isDone() && !stopping) {
            throw new AssertionError(what + ": the receiver saw the stream end before the test stopped it");
        }
    }

    private String result(CompletableFuture<String> f, String end, Duration atMost) throws InterruptedException {
        try {
            return f.get(atMost.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError(what + ": the " + end + " failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError(what + ": the " + end + " did not finish within " + atMost.toSeconds() + " s"
                    + " (received " + received + " bytes)");
        }
    }

    private String receive() throws Exception {
        try (server; Socket s = server.accept(); InputStream in = s.getInputStream()) {
            accepted = s;
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            long last = System.nanoTime();
            for (int r; (r = in.read(buf)) > 0; ) {
                long now = System.nanoTime();
                longestGapNanos = Math.max(longestGapNanos, now - last);
                last = now;
                d.update(buf, 0, r);
                received += r;
            }
            return received + " bytes, sha256 " + HexFormat.of().formatHex(d.digest());
        }
    }

    private String send(int seed, long size, long pace) throws Exception {
        try (Socket c = client; OutputStream out = c.getOutputStream()) {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            Random rnd = new Random(seed);
            byte[] chunk = new byte[1 << 20];
            long n = 0;
            long t0 = System.nanoTime();
            while (n < size && !stopping) {
                rnd.nextBytes(chunk);
                d.update(chunk);
                out.write(chunk);
                n += chunk.length;
                // Pacing, not synchronisation: never ahead of pace; a slow network or CPU only makes it later.
                long ahead = t0 + (long) (n * 1e9 / pace) - System.nanoTime();
                if (pace != Long.MAX_VALUE && ahead > 0) {
                    LockSupport.parkNanos(ahead);
                }
            }
            return n + " bytes, sha256 " + HexFormat.of().formatHex(d.digest());
        }
    }

    private interface Body {
        void run() throws Exception;
    }

    private void thread(String name, Body body, CompletableFuture<String> result) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, "tcp-stream-" + name);
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception e) {
                // tearing down after the test: nothing left to report to
            }
        }
    }
}

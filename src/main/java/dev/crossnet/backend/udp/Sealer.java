package dev.crossnet.backend.udp;

import dev.crossnet.seal.Certificates;
import dev.crossnet.seal.Limits;
import dev.crossnet.seal.PacketCipher;
import dev.crossnet.seal.SealClock;
import dev.crossnet.seal.Tunnels;
import dev.crossnet.udp.Bind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * The udp datapath's side of {@link Tunnels}: handshake datagrams wait in an outbox that only the
 * sending loop drains (a {@link Bind} may not send from two threads), and {@link Tunnels#expire()}
 * runs from that loop every {@link #EXPIRE_EVERY_NANOS}. Packets are sealed and opened by the loops
 * themselves, each with its own {@link PacketCipher}. Thread-safe: {@link #handshake} comes from the
 * receiving loop, {@link #drain} from the sending loop, tunnels change from the agent's thread.
 */
final class Sealer {
    static final long EXPIRE_EVERY_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** Handshake datagrams waiting beyond this many are dropped (they are retried): a flood cannot grow the outbox. */
    static final int OUTBOX_MAX = 256;

    private record Outbound(long endpoint, byte[] datagram) {
    }

    private final ConcurrentLinkedQueue<Outbound> outbox = new ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.AtomicInteger queued = new java.util.concurrent.atomic.AtomicInteger();
    private final Tunnels tunnels;
    private final SealClock clock;
    private long lastExpire;

    Sealer(byte[] staticPrivate, byte[] ownCertificate, Certificates certificates, Limits limits, SealClock clock,
           io.prometheus.metrics.model.registry.PrometheusRegistry metrics) {
        this.clock = clock;
        this.tunnels = new Tunnels(staticPrivate, ownCertificate, certificates, limits, clock, this::enqueue, metrics);
        this.lastExpire = clock.nanoTime();
    }

    Tunnels tunnels() {
        return tunnels;
    }

    private void enqueue(long endpoint, byte[] datagram) {
        if (queued.incrementAndGet() > OUTBOX_MAX) {
            queued.decrementAndGet();
            return;
        }
        outbox.add(new Outbound(endpoint, datagram));
    }

    /**
     * Handles the handshake message {@code b[off, off+len)} from {@code source} (after {@link
     * Tunnels#open} said {@link Tunnels#HANDSHAKE}); an answer goes to the outbox. Allocates: handshakes are rare and bounded.
     */
    void handshake(PacketCipher cipher, ByteBuffer b, int off, int len, long source) {
        if (len > Tunnels.HANDSHAKE_MAX) {
            len = Tunnels.HANDSHAKE_MAX + 1; // refused by length; no need to copy more
        }
        byte[] message = new byte[len];
        b.get(off, message);
        byte[] reply = tunnels.handshake(cipher, message, source);
        if (reply != null) {
            enqueue(source, reply);
        }
    }

    /**
     * Sends the waiting handshake datagrams through {@code scratch} (a direct buffer of at least
     * {@link Tunnels#HANDSHAKE_MAX} bytes), and expires old keys when due. Sending loop only.
     */
    void drain(Bind bind, ByteBuffer[] scratch, int[] size, long[] dest) throws IOException {
        Outbound o;
        while ((o = outbox.poll()) != null) {
            queued.decrementAndGet();
            scratch[0].put(0, o.datagram());
            size[0] = o.datagram().length;
            dest[0] = o.endpoint();
            bind.send(scratch, size, dest, 1, 0);
        }
        long now = clock.nanoTime();
        if (now - lastExpire >= EXPIRE_EVERY_NANOS) {
            lastExpire = now;
            tunnels.expire();
        }
    }

    /**
     * Packets {@link #warmUp} seals and opens: enough for C2 to compile the JDK's GCM path even when
     * its compiler threads wait for a CPU (about 1 CPU-second on a quiet machine).
     */
    static final int WARM_UP_PACKETS = 100_000;
    /** Their size: a full 1500-byte underlay's inner packet, sealed (1500 - 28 - 32). */
    static final int WARM_UP_SIZE = 1440;

    /**
     * Starts a daemon thread that runs {@link PacketCipher#warmUp} once, so that the first seconds of
     * traffic are not sealed by the interpreter. Non-blocking; touches no tunnel or key. A warm-up
     * that fails only logs: the datapath's own packets show the same failure, counted.
     */
    static void warmUp() {
        Thread t = new Thread(() -> {
            try {
                PacketCipher.warmUp(WARM_UP_PACKETS, WARM_UP_SIZE);
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(Sealer.class).warn("seal: AES-GCM warm-up failed", e);
            }
        }, "crossnet-seal-warmup");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
    }

    /** One-slot scratch for {@link #drain}. */
    static ByteBuffer[] scratch() {
        return new ByteBuffer[] {ByteBuffer.allocateDirect(Tunnels.HANDSHAKE_MAX + 1)};
    }
}

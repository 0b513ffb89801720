package dev.crossnet.backend.udp;

import dev.crossnet.model.Subnet;
import dev.crossnet.seal.PacketCipher;
import dev.crossnet.seal.Tunnels;
import dev.crossnet.tun.TunDevice;
import dev.crossnet.udp.Bind;
import dev.crossnet.udp.Endpoints;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two copy loops of the udp backend, each on its own thread: TUN → UDP (look the inner
 * destination up in the forwarding table, send the packet as is to that peer) and UDP → TUN
 * (validate with {@link PacketValidator}, write what passes). On an encrypted network ({@link
 * Sealer}) each packet is sealed in place after the lookup (and after TSO splitting) and each
 * datagram opened in place before validation (and before TCP coalescing), each loop with its own
 * {@link PacketCipher}; nothing is sent to a peer without a session, nothing unopened is written. Each loop owns a fixed set of direct
 * buffers and moves up to {@code batch} packets per call; nothing is allocated per packet and no
 * packet is copied between the device and the socket.
 *
 * <p>The forwarding table and this host's subnet are swapped atomically while traffic flows.
 * A loop that hits an I/O error stops and records it in {@link #failure()}; it never exits the JVM.
 * Restarting is its owner's job ({@link UdpNetwork#supervise()}): close this one, reopen the device
 * and socket, start a new one.
 */
final class UdpDatapath implements AutoCloseable {

    static final int BUFFER_SIZE = 65_536; // the largest IPv4 packet or UDP payload fits (64 KiB)
    static final int POLL_MILLIS = 100; // how soon a loop notices close()

    private static final Logger LOG = LoggerFactory.getLogger(UdpDatapath.class);

    private final TunDevice tun;
    private final Bind bind;
    private final int batch;
    private final UdpMetrics metrics;
    private final Sealer sealer; // null: the plain (flannel) wire format
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile String failedLoop;
    private volatile ForwardingTable table = ForwardingTable.EMPTY;
    private volatile long own; // network << 8 | prefix length; 0 = not started
    private volatile boolean running;
    private Thread toUdp;
    private Thread toTun;

    UdpDatapath(TunDevice tun, Bind bind, int batch, UdpMetrics metrics) {
        this(tun, bind, batch, metrics, null);
    }

    /** @param sealer null for the plain wire format; else every datagram is sealed and opened with it */
    UdpDatapath(TunDevice tun, Bind bind, int batch, UdpMetrics metrics, Sealer sealer) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be at least 1, got " + batch);
        }
        this.tun = tun;
        this.bind = bind;
        this.batch = batch;
        this.metrics = metrics;
        this.sealer = sealer;
    }

    /** Replaces the forwarding table; packets in flight finish with the old one. Thread-safe. */
    void table(ForwardingTable t) {
        table = t;
    }

    ForwardingTable table() {
        return table;
    }

    /** This host's subnet as {@code network << 8 | prefix length}; 0 before {@link #ownSubnet}. */
    long own() {
        return own;
    }

    /** Whether the loops use TUN offloads (the device has a {@code virtio_net_hdr}). */
    boolean offloads() {
        return tun.vnetHdr();
    }

    /** Sets this host's subnet: received packets must be addressed inside it. Thread-safe. */
    void ownSubnet(Subnet s) {
        own = (Integer.toUnsignedLong(Endpoints.ipv4(s.network())) << 8) | s.prefixLength();
    }

    /** Whether {@link #start} was called and {@link #close} not yet. */
    boolean running() {
        return running;
    }

    /** Starts both loops. Not idempotent: call once. */
    synchronized void start() {
        running = true;
        if (tun.vnetHdr()) {
            OffloadTx tx = new OffloadTx(tun, bind, batch, metrics, this::table, sealer);
            OffloadRx rx = new OffloadRx(tun, bind, batch, metrics, this, sealer);
            toUdp = new Thread(() -> pump(tx::pump, "TUN -> UDP"), "crossnet-udp-tx");
            toTun = new Thread(() -> pump(rx::pump, "UDP -> TUN"), "crossnet-udp-rx");
        } else {
            toUdp = new Thread(this::tunToUdp, "crossnet-udp-tx");
            toTun = new Thread(this::udpToTun, "crossnet-udp-rx");
        }
        toUdp.setDaemon(true);
        toTun.setDaemon(true);
        toUdp.start();
        toTun.start();
    }

    /** Whether a loop thread is still alive: false before {@link #start} and once both have ended. */
    synchronized boolean loopsAlive() {
        return (toUdp != null && toUdp.isAlive()) || (toTun != null && toTun.isAlive());
    }

    /** The error that stopped a loop, or null while both run (or stopped cleanly). */
    Throwable failure() {
        return failure.get();
    }

    /** Which loop {@link #failure()} stopped ({@code "TUN -> UDP"} or {@code "UDP -> TUN"}), or null. */
    String failedLoop() {
        return failedLoop;
    }

    /** One batch of a loop; blocks at most the given milliseconds. */
    interface Pump {
        void pump(int timeoutMillis) throws IOException;
    }

    private void pump(Pump p, String loop) {
        try {
            while (running) {
                p.pump(POLL_MILLIS);
            }
        } catch (IOException | RuntimeException e) {
            stopWith(e, loop);
        }
    }

    private void tunToUdp() {
        // Sealed, the packet is read HEADER bytes in, so that it is sealed in place (header in front, tag behind).
        int head = sealer == null ? 0 : Tunnels.HEADER;
        ByteBuffer[] bufs = buffers(batch, BUFFER_SIZE + Tunnels.OVERHEAD);
        int[] sizes = new int[batch];
        long[] dests = new long[batch];
        PacketCipher cipher = sealer == null ? null : new PacketCipher();
        ByteBuffer[] scratch = sealer == null ? null : Sealer.scratch();
        int[] scratchSize = new int[1];
        long[] scratchDest = new long[1];
        try {
            while (running) {
                int n = tun.read(bufs, sizes, head, POLL_MILLIS);
                ForwardingTable t = table;
                for (int i = 0; i < n; i++) {
                    ByteBuffer b = bufs[i];
                    int len = sizes[i];
                    if (len < PacketValidator.IPV4_MIN_HEADER || (b.get(head) & 0xf0) != 0x40) {
                        // IPv6 or runt: the network is IPv4 only.
                        metrics.noPeerDrops(DropReason.MALFORMED).inc();
                        sizes[i] = 0;
                        continue;
                    }
                    Peer p = t.lookup(b.getInt(head + PacketValidator.IPV4_DST));
                    if (p == null) {
                        metrics.noPeerDrops(DropReason.NO_ROUTE).inc();
                        sizes[i] = 0;
                        continue;
                    }
                    if (sealer != null) {
                        if (p.tunnel == null) {
                            p.drops(DropReason.NO_CERTIFICATE).inc();
                            sizes[i] = 0;
                            continue;
                        }
                        int sealed = sealer.tunnels().seal(cipher, p.tunnel, b, 0, len);
                        if (sealed < 0) {
                            sizes[i] = 0; // no key yet: dropped and counted by the tunnels, never sent in clear
                            continue;
                        }
                        sizes[i] = sealed;
                    }
                    dests[i] = p.endpoint;
                    p.txPackets.inc();
                    p.txBytes.inc(len);
                }
                if (n > 0) {
                    bind.send(bufs, sizes, dests, n, 0);
                }
                if (sealer != null) {
                    sealer.drain(bind, scratch, scratchSize, scratchDest);
                }
            }
        } catch (IOException | RuntimeException e) {
            stopWith(e, "TUN -> UDP");
        }
    }

    private void udpToTun() {
        ByteBuffer[] bufs = buffers(batch);
        int[] sizes = new int[batch];
        long[] sources = new long[batch];
        PacketCipher cipher = sealer == null ? null : new PacketCipher();
        // Sealed, every opened packet lies HEADER bytes into its buffer.
        int head = sealer == null ? 0 : Tunnels.HEADER;
        try {
            while (running) {
                int n = bind.receive(bufs, sizes, sources, 0, POLL_MILLIS);
                if (n == 0) {
                    continue;
                }
                ForwardingTable t = table;
                long o = own;
                int ownNetwork = (int) (o >>> 8);
                int ownPrefix = (int) (o & 0xff);
                for (int i = 0; i < n; i++) {
                    long source = sources[i];
                    if (sealer != null) {
                        int inner = open(sealer, cipher, bufs[i], 0, sizes[i], source);
                        if (inner <= 0) {
                            sizes[i] = 0;
                            continue;
                        }
                        sizes[i] = inner;
                        source = cipher.peer().endpoint();
                    }
                    int verdict = o == 0 ? DropReason.INNER_DESTINATION.ordinal()
                            : PacketValidator.check(bufs[i], head, sizes[i], source, t, ownNetwork, ownPrefix);
                    if (verdict == PacketValidator.ACCEPT) {
                        Peer p = t.byEndpoint(source); // never null: the validator found it
                        p.rxPackets.inc();
                        p.rxBytes.inc(sizes[i]);
                        continue;
                    }
                    DropReason reason = DropReason.of(verdict);
                    Peer p = reason == DropReason.UNKNOWN_SOURCE ? null : t.byEndpoint(source);
                    (p == null ? metrics.noPeerDrops(reason) : p.drops(reason)).inc();
                    sizes[i] = 0;
                }
                tun.write(bufs, sizes, n, head);
            }
        } catch (IOException | RuntimeException e) {
            stopWith(e, "UDP -> TUN");
        }
    }

    /**
     * Opens the sealed datagram {@code b[off, off+len)} in place. Returns the inner packet's length
     * (it then lies at {@code off + HEADER}, and {@code cipher.peer()} names its sender), or 0 when
     * there is nothing to deliver: a keepalive, a handshake (handled here), or a drop (counted).
     */
    static int open(Sealer sealer, PacketCipher cipher, ByteBuffer b, int off, int len, long source) {
        int r = sealer.tunnels().open(cipher, b, off, len);
        if (r == Tunnels.HANDSHAKE) {
            sealer.handshake(cipher, b, off, len, source);
            return 0;
        }
        return Math.max(r, 0);
    }

    private void stopWith(Exception e, String loop) {
        if (running) {
            if (failure.compareAndSet(null, e)) {
                failedLoop = loop;
            }
            LOG.error("udp datapath: the {} loop stopped", loop, e);
        }
    }

    private static ByteBuffer[] buffers(int n) {
        return buffers(n, BUFFER_SIZE);
    }

    /** {@code n} direct buffers of {@code size} bytes, big-endian as IP headers are. */
    static ByteBuffer[] buffers(int n, int size) {
        ByteBuffer[] b = new ByteBuffer[n];
        for (int i = 0; i < n; i++) {
            b[i] = ByteBuffer.allocateDirect(size);
        }
        return b;
    }

    /** Stops both loops and waits for them (at most about {@link #POLL_MILLIS}). Idempotent. */
    @Override
    public synchronized void close() {
        running = false;
        for (Thread t : new Thread[] {toUdp, toTun}) {
            if (t != null) {
                try {
                    t.join(10L * POLL_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}

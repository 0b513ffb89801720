package dev.crossnet.backend.udp;

import dev.crossnet.seal.PacketCipher;
import dev.crossnet.seal.Tunnels;
import dev.crossnet.sys.LibC;
import dev.crossnet.tun.TunDevice;
import dev.crossnet.udp.Bind;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The UDP → TUN loop body for a TUN device with {@code IFF_VNET_HDR}: receives datagrams (with UDP
 * GRO, several per buffer, cut at the reported segment size), validates each with {@link
 * PacketValidator} exactly as the plain path does, and hands those that pass to a {@link
 * TcpCoalescer}, which writes them to the TUN once per batch, straight from the receive buffers.
 *
 * <p>Not thread-safe: owned by the receiving thread. Allocation-free after construction.
 */
final class OffloadRx {

    private final Bind bind;
    private final UdpDatapath owner;
    private final UdpMetrics metrics;
    private final TcpCoalescer coalescer;
    private final ByteBuffer[] bufs;
    private final long[] addresses;
    private final int[] sizes;
    private final int[] segments;
    private final long[] sources;
    private final Sealer sealer; // null: plain
    private final PacketCipher cipher;

    OffloadRx(TunDevice tun, Bind bind, int batch, UdpMetrics metrics, UdpDatapath owner) {
        this(tun, bind, batch, metrics, owner, null);
    }

    /** @param sealer null for the plain wire format */
    OffloadRx(TunDevice tun, Bind bind, int batch, UdpMetrics metrics, UdpDatapath owner, Sealer sealer) {
        this.sealer = sealer;
        this.cipher = sealer == null ? null : new PacketCipher();
        this.bind = bind;
        this.owner = owner;
        this.metrics = metrics;
        this.coalescer = new TcpCoalescer(tun, 2 * batch);
        this.bufs = UdpDatapath.buffers(batch, 65_536); // a GRO read is at most 64 KiB
        this.addresses = new long[batch];
        for (int i = 0; i < batch; i++) {
            addresses[i] = LibC.address(bufs[i]);
        }
        this.sizes = new int[batch];
        this.segments = new int[batch];
        this.sources = new long[batch];
    }

    /** Moves one batch; returns after {@code timeoutMillis} without one. */
    void pump(int timeoutMillis) throws IOException {
        int n = bind.receive(bufs, sizes, segments, sources, 0, timeoutMillis);
        if (n == 0) {
            return;
        }
        ForwardingTable t = owner.table();
        long o = owner.own();
        int ownNetwork = (int) (o >>> 8);
        int ownPrefix = (int) (o & 0xff);
        for (int i = 0; i < n; i++) {
            ByteBuffer b = bufs[i];
            int size = sizes[i];
            int step = segments[i] > 0 ? segments[i] : size;
            for (int at = 0; at < size; at += step) {
                int off = at;
                int len = Math.min(step, size - at);
                long source = sources[i];
                if (sealer != null) {
                    // Opened before coalescing: each GRO piece is one sealed datagram.
                    len = UdpDatapath.open(sealer, cipher, b, at, len, source);
                    if (len == 0) {
                        continue;
                    }
                    off = at + Tunnels.HEADER;
                    source = cipher.peer().endpoint();
                }
                int verdict = o == 0 ? DropReason.INNER_DESTINATION.ordinal()
                        : PacketValidator.check(b, off, len, source, t, ownNetwork, ownPrefix);
                if (verdict == PacketValidator.ACCEPT) {
                    Peer p = t.byEndpoint(source);
                    p.rxPackets.inc();
                    p.rxBytes.inc(len);
                    coalescer.add(b, addresses[i], off, len);
                    continue;
                }
                DropReason reason = DropReason.of(verdict);
                Peer p = reason == DropReason.UNKNOWN_SOURCE ? null : t.byEndpoint(source);
                (p == null ? metrics.noPeerDrops(reason) : p.drops(reason)).inc();
            }
        }
        coalescer.flush();
    }
}

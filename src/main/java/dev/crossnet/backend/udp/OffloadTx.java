package dev.crossnet.backend.udp;

import dev.crossnet.tun.TunDevice;
import dev.crossnet.udp.Bind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.Supplier;

/**
 * The TUN → UDP loop body for a TUN device with {@code IFF_VNET_HDR}: reads packets behind their
 * {@code virtio_net_hdr}, splits TCP super-packets ({@code GSO_TCPV4}) into MSS-sized packets with
 * {@link TsoSplitter}, completes {@code NEEDS_CSUM} checksums, and sends. With UDP GSO ({@link
 * Bind#gso()}) the segments of one super-packet go out as one slot, a single datagram train the
 * kernel cuts at the segment size; without it, one datagram per slot.
 *
 * <p>Not thread-safe: owned by the sending thread. Allocation-free after construction.
 */
final class OffloadTx {

    static final int BUFFER_SIZE = VirtioNetHdr.SIZE + 65_535; // header + the largest IPv4 packet
    static final int GSO_MAX_BYTES = 65_507; // 65535 IPv4 total - 20 IP - 8 UDP
    static final int GSO_MAX_SEGMENTS = 64; // UDP_MAX_SEGMENTS on older kernels (128 since 5.x)

    private final TunDevice tun;
    private final Bind bind;
    private final UdpMetrics metrics;
    private final Supplier<ForwardingTable> table;
    private final TsoSplitter splitter = new TsoSplitter();
    private final ByteBuffer[] in;
    private final int[] inSizes;
    private final ByteBuffer[] slots;
    private final int[] slotSizes;
    private final int[] slotSegments;
    private final long[] dests;
    private int used;

    OffloadTx(TunDevice tun, Bind bind, int batch, UdpMetrics metrics, Supplier<ForwardingTable> table) {
        this.tun = tun;
        this.bind = bind;
        this.metrics = metrics;
        this.table = table;
        this.in = UdpDatapath.buffers(batch, BUFFER_SIZE);
        this.inSizes = new int[batch];
        int slotCount = 2 * batch; // a super-packet can need two GSO slots
        this.slots = UdpDatapath.buffers(slotCount, 65_536);
        this.slotSizes = new int[slotCount];
        this.slotSegments = new int[slotCount];
        this.dests = new long[slotCount];
    }

    /** Moves one batch; returns after {@code timeoutMillis} without one. */
    void pump(int timeoutMillis) throws IOException {
        int n = tun.read(in, inSizes, 0, timeoutMillis);
        ForwardingTable t = table.get();
        for (int i = 0; i < n; i++) {
            ByteBuffer b = in[i];
            int pkt = VirtioNetHdr.SIZE;
            int len = inSizes[i] - pkt;
            if (len < PacketValidator.IPV4_MIN_HEADER || (b.get(pkt) & 0xf0) != 0x40) {
                metrics.noPeerDrops(DropReason.MALFORMED).inc(); // IPv6 or runt: the network is IPv4 only
                continue;
            }
            Peer p = t.lookup(b.getInt(pkt + PacketValidator.IPV4_DST));
            if (p == null) {
                metrics.noPeerDrops(DropReason.NO_ROUTE).inc();
                continue;
            }
            if (VirtioNetHdr.gsoType(b, 0) == VirtioNetHdr.GSO_TCPV4) {
                split(b, pkt, len, VirtioNetHdr.gsoSize(b, 0), p);
                continue;
            }
            if ((VirtioNetHdr.flags(b, 0) & VirtioNetHdr.F_NEEDS_CSUM) != 0
                    && !TsoSplitter.completeChecksum(b, pkt, len, VirtioNetHdr.csumStart(b, 0), VirtioNetHdr.csumOffset(b, 0))) {
                metrics.noPeerDrops(DropReason.MALFORMED).inc();
                continue;
            }
            int s = slot();
            slots[s].put(0, b, pkt, len);
            slotSizes[s] = len;
            slotSegments[s] = 0;
            dests[s] = p.endpoint;
            p.txPackets.inc();
            p.txBytes.add(len);
        }
        flush();
    }

    private void split(ByteBuffer b, int pkt, int len, int mss, Peer p) throws IOException {
        if (splitter.begin(b, pkt, len, mss) < 0) {
            metrics.noPeerDrops(DropReason.MALFORMED).inc();
            return;
        }
        boolean gso = bind.gso();
        int s = -1;
        int segments = 0;
        long bytes = 0;
        while (splitter.hasNext()) {
            int next = splitter.nextLength();
            if (s < 0 || !gso || slotSizes[s] + next > GSO_MAX_BYTES || slotSegments[s] == GSO_MAX_SEGMENTS) {
                s = slot();
                slotSizes[s] = 0;
                slotSegments[s] = 0;
                dests[s] = p.endpoint;
            }
            int written = splitter.next(slots[s], slotSizes[s]);
            slotSizes[s] += written;
            slotSegments[s]++;
            segments++;
            bytes += written;
        }
        p.txPackets.add(segments);
        p.txBytes.add(bytes);
    }

    /** A free slot index, sending the full batch first when there is none. */
    private int slot() throws IOException {
        if (used == slots.length) {
            flush();
        }
        return used++;
    }

    private void flush() throws IOException {
        if (used == 0) {
            return;
        }
        // slotSegments counts datagrams; Bind wants the segment size, and 0 for a single datagram.
        for (int s = 0; s < used; s++) {
            slotSegments[s] = slotSegments[s] > 1 ? segmentSize(s) : 0;
        }
        bind.send(slots, slotSizes, slotSegments, dests, used, 0);
        used = 0;
    }

    private int segmentSize(int s) {
        return slots[s].getShort(2) & 0xffff; // the first segment's IP total length
    }
}

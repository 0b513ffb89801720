package dev.crossnet.backend.udp;

import dev.crossnet.sys.GatherBatch;
import dev.crossnet.sys.LibC;
import dev.crossnet.tun.TunDevice;
import dev.crossnet.udp.Bind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.Supplier;

/**
 * The TUN → UDP loop body for a TUN device with {@code IFF_VNET_HDR}: reads packets behind their
 * {@code virtio_net_hdr}, splits TCP super-packets ({@code GSO_TCPV4}) into MSS-sized packets with
 * {@link TsoSplitter}, completes {@code NEEDS_CSUM} checksums, and sends. With UDP GSO ({@link
 * Bind#gso()}) the segments of one super-packet go out as one message, a single datagram train the
 * kernel cuts at the segment size; without it, one datagram per message.
 *
 * <p>Nothing is copied in userspace: each segment is sent as two pieces (a {@link GatherBatch}), its
 * freshly written headers from a scratch buffer and its payload straight from the buffer the TUN
 * read filled; other packets go out from that buffer as they are. The read buffers are therefore
 * not reused before the batch is sent.
 *
 * <p>Not thread-safe: owned by the sending thread. Allocation-free after construction.
 */
final class OffloadTx {

    static final int BUFFER_SIZE = VirtioNetHdr.SIZE + 65_535; // header + the largest IPv4 packet
    static final int GSO_MAX_BYTES = 65_507; // 65535 IPv4 total - 20 IP - 8 UDP
    static final int GSO_MAX_SEGMENTS = 64; // UDP_MAX_SEGMENTS on older kernels (128 since 5.x)
    static final int HEADERS_MAX = 120; // a 60-byte IPv4 header and a 60-byte TCP header
    static final int SEGMENTS_PER_BATCH = 2048; // header scratch: segments between two sends

    private final TunDevice tun;
    private final Bind bind;
    private final UdpMetrics metrics;
    private final Supplier<ForwardingTable> table;
    private final TsoSplitter splitter = new TsoSplitter();
    private final ByteBuffer[] in;
    private final long[] inAddresses;
    private final int[] inSizes;
    private final ByteBuffer headers = ByteBuffer.allocateDirect(SEGMENTS_PER_BATCH * HEADERS_MAX);
    private final long headersAddress = LibC.address(headers);
    private final GatherBatch out;
    private int headersUsed;

    OffloadTx(TunDevice tun, Bind bind, int batch, UdpMetrics metrics, Supplier<ForwardingTable> table) {
        this.tun = tun;
        this.bind = bind;
        this.metrics = metrics;
        this.table = table;
        this.in = UdpDatapath.buffers(batch, BUFFER_SIZE);
        this.inAddresses = new long[batch];
        for (int i = 0; i < batch; i++) {
            inAddresses[i] = LibC.address(in[i]);
        }
        this.inSizes = new int[batch];
        // A message per plain packet, or per up to GSO_MAX_SEGMENTS segments of a super-packet.
        this.out = new GatherBatch(2 * batch, 2 * SEGMENTS_PER_BATCH);
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
                split(i, pkt, len, VirtioNetHdr.gsoSize(b, 0), p);
                continue;
            }
            if ((VirtioNetHdr.flags(b, 0) & VirtioNetHdr.F_NEEDS_CSUM) != 0
                    && !TsoSplitter.completeChecksum(b, pkt, len, VirtioNetHdr.csumStart(b, 0), VirtioNetHdr.csumOffset(b, 0))) {
                metrics.noPeerDrops(DropReason.MALFORMED).inc();
                continue;
            }
            if (!out.canBegin(1)) {
                flush();
            }
            out.begin(p.endpoint, 0);
            out.add(b, inAddresses[i], pkt, len);
            p.txPackets.inc();
            p.txBytes.add(len);
        }
        flush();
    }

    private void split(int i, int pkt, int len, int mss, Peer p) throws IOException {
        ByteBuffer b = in[i];
        if (splitter.begin(b, pkt, len, mss) < 0) {
            metrics.noPeerDrops(DropReason.MALFORMED).inc();
            return;
        }
        boolean gso = bind.gso();
        boolean open = false; // whether the batch's last message is this packet's and may grow
        int messageBytes = 0;
        int messageSegments = 0;
        int segments = 0;
        long bytes = 0;
        while (splitter.hasNext()) {
            int next = splitter.nextLength();
            boolean room = headersUsed + HEADERS_MAX <= headers.capacity();
            if (!open || !gso || messageBytes + next > GSO_MAX_BYTES || messageSegments == GSO_MAX_SEGMENTS
                    || !room || !out.canAdd(2)) {
                if (!room || !out.canBegin(2)) {
                    flush();
                }
                // Every segment but the last is exactly the first one's length: the GSO size.
                out.begin(p.endpoint, gso ? next : 0);
                open = true;
                messageBytes = 0;
                messageSegments = 0;
            }
            int h = headersUsed;
            int hl = splitter.nextHeaders(headers, h);
            headersUsed += hl;
            out.add(headers, headersAddress, h, hl);
            out.add(b, inAddresses[i], splitter.payloadOffset(), splitter.payloadLength());
            int written = hl + splitter.payloadLength();
            messageBytes += written;
            messageSegments++;
            segments++;
            bytes += written;
        }
        p.txPackets.add(segments);
        p.txBytes.add(bytes);
    }

    private void flush() throws IOException {
        if (out.messages() > 0) {
            bind.send(out);
        }
        out.clear();
        headersUsed = 0;
    }
}

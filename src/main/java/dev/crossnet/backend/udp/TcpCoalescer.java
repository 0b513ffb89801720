package dev.crossnet.backend.udp;

import dev.crossnet.tun.TunDevice;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Receive-side coalescing for a TUN device with {@code IFF_VNET_HDR}, after the idea of
 * wireguard-go's {@code tun/offload_linux.go}: consecutive in-order TCP/IPv4 segments of one flow
 * become one large packet, written with a {@code virtio_net_hdr} of type {@code GSO_TCPV4} (gso_size
 * = the first segment's payload length), so that the kernel sees one packet instead of dozens.
 * Everything else is written as it came, behind an all-zero header.
 *
 * <p>A segment joins an earlier packet of its flow (same addresses and ports) only if: its sequence
 * number follows on, its IP header has the same length, TOS, TTL and DF and no fragmentation, its
 * TCP header equals the packet's apart from sequence number, flags and checksum (so the same ACK,
 * window and options), its flags are ACK with at most PSH, its payload is no longer than the first
 * one's and the packet has not ended (a shorter segment or PSH ends it), and the total stays under
 * 64 KiB. The coalesced packet's IP length and header checksum are rewritten, its TCP checksum field
 * holds the pseudo-header sum ({@code NEEDS_CSUM}, the kernel finishes it) and it keeps the last
 * segment's PSH. Inner TCP checksums of coalesced segments are not verified here: the outer UDP
 * checksum, which the kernel checked, covers them.
 *
 * <p>Not thread-safe: one per receiving thread. Allocation-free after construction.
 */
final class TcpCoalescer {

    static final int HEADROOM = VirtioNetHdr.SIZE; // each item: virtio_net_hdr, then the IP packet
    static final int MAX_PACKET = 65_535; // the IPv4 total length field
    static final int SCAN = 8; // how many recent items a segment may join
    static final int ACK = 0x10;

    private final TunDevice tun;
    private final ByteBuffer[] items;
    private final int[] sizes; // IP packet lengths while filling; HEADROOM + length when written
    private final int[] payloadSize; // the first segment's payload length (gso_size); 0 = closed or not TCP
    private final int[] nextSeq;
    private final int[] segments;
    private int count;

    /** @param capacity how many packets to hold before writing them out */
    TcpCoalescer(TunDevice tun, int capacity) {
        this.tun = tun;
        this.items = new ByteBuffer[capacity];
        for (int i = 0; i < capacity; i++) {
            items[i] = ByteBuffer.allocateDirect(HEADROOM + MAX_PACKET);
        }
        this.sizes = new int[capacity];
        this.payloadSize = new int[capacity];
        this.nextSeq = new int[capacity];
        this.segments = new int[capacity];
    }

    /** Adds the well-formed IPv4 packet {@code b[off, off+len)}; may write earlier packets to the TUN. */
    void add(ByteBuffer b, int off, int len) throws IOException {
        int ihl = (b.get(off) & 0x0f) * 4;
        int thl = -1;
        int payload = 0;
        if ((b.get(off + 9) & 0xff) == Checksum.PROTO_TCP && len >= ihl + TsoSplitter.TCP_MIN_HEADER
                && (b.getShort(off + 6) & 0x3fff) == 0) { // neither MF nor a fragment offset
            thl = ((b.get(off + ihl + 12) & 0xff) >>> 4) * 4;
            payload = len - ihl - thl;
            int flags = b.get(off + ihl + 13) & 0xff;
            if (thl < TsoSplitter.TCP_MIN_HEADER || payload <= 0 || (flags & ~TsoSplitter.PSH) != ACK) {
                thl = -1;
            }
        }
        if (thl > 0) {
            for (int i = count - 1; i >= 0 && i >= count - SCAN; i--) {
                ByteBuffer it = items[i];
                if (payloadSize[i] == 0 || !sameFlow(it, HEADROOM, b, off, ihl)) {
                    continue;
                }
                if (canAppend(i, b, off, ihl, thl, payload)) {
                    append(i, b, off, ihl + thl, payload);
                    return;
                }
                break; // same flow but not joinable: a new packet, after this one, keeps the order
            }
        }
        if (count == items.length) {
            flush();
        }
        int i = count++;
        items[i].put(HEADROOM, b, off, len);
        sizes[i] = len;
        segments[i] = 1;
        payloadSize[i] = thl > 0 && (b.get(off + ihl + 13) & TsoSplitter.PSH) == 0 ? payload : 0;
        nextSeq[i] = thl > 0 ? b.getInt(off + ihl + 4) + payload : 0;
    }

    private static boolean sameFlow(ByteBuffer it, int at, ByteBuffer b, int off, int ihl) {
        return it.getLong(at + PacketValidator.IPV4_SRC) == b.getLong(off + PacketValidator.IPV4_SRC)
                && (it.get(at) & 0x0f) * 4 == ihl && it.getInt(at + ihl) == b.getInt(off + ihl);
    }

    private boolean canAppend(int i, ByteBuffer b, int off, int ihl, int thl, int payload) {
        ByteBuffer it = items[i];
        int at = HEADROOM;
        if (b.getInt(off + ihl + 4) != nextSeq[i] || payload > payloadSize[i] || sizes[i] + payload > MAX_PACKET
                || ((it.get(at + ihl + 12) & 0xff) >>> 4) * 4 != thl
                || it.get(at + 1) != b.get(off + 1) // TOS (ECN included)
                || it.get(at + 8) != b.get(off + 8) // TTL
                || (it.get(at + 6) & 0x40) != (b.get(off + 6) & 0x40)) { // DF
            return false;
        }
        // The TCP headers must match except sequence number (4-7), flags (13) and checksum (16-17).
        int t = at + ihl;
        int u = off + ihl;
        if (it.getInt(t + 8) != b.getInt(u + 8) || it.get(t + 12) != b.get(u + 12) || it.getShort(t + 14) != b.getShort(u + 14)
                || it.getShort(t + 18) != b.getShort(u + 18)) {
            return false;
        }
        for (int k = TsoSplitter.TCP_MIN_HEADER; k < thl; k++) {
            if (it.get(t + k) != b.get(u + k)) {
                return false;
            }
        }
        return ihl == PacketValidator.IPV4_MIN_HEADER || equalBytes(it, at + PacketValidator.IPV4_MIN_HEADER, b,
                off + PacketValidator.IPV4_MIN_HEADER, ihl - PacketValidator.IPV4_MIN_HEADER);
    }

    private static boolean equalBytes(ByteBuffer a, int ao, ByteBuffer b, int bo, int n) {
        for (int k = 0; k < n; k++) {
            if (a.get(ao + k) != b.get(bo + k)) {
                return false;
            }
        }
        return true;
    }

    private void append(int i, ByteBuffer b, int off, int headers, int payload) {
        ByteBuffer it = items[i];
        it.put(HEADROOM + sizes[i], b, off + headers, payload);
        sizes[i] += payload;
        segments[i]++;
        nextSeq[i] += payload;
        int ihl = (it.get(HEADROOM) & 0x0f) * 4;
        int flags = b.get(off + ihl + 13) & 0xff;
        if ((flags & TsoSplitter.PSH) != 0) {
            it.put(HEADROOM + ihl + 13, (byte) (it.get(HEADROOM + ihl + 13) | TsoSplitter.PSH));
        }
        if ((flags & TsoSplitter.PSH) != 0 || payload < payloadSize[i]) {
            payloadSize[i] = -payloadSize[i]; // ended: negative keeps the gso_size for flush
        }
    }

    /** Writes every held packet to the TUN (coalesced ones with a GSO header) and empties the batch. */
    void flush() throws IOException {
        for (int i = 0; i < count; i++) {
            ByteBuffer it = items[i];
            if (segments[i] > 1) {
                int ihl = (it.get(HEADROOM) & 0x0f) * 4;
                int thl = ((it.get(HEADROOM + ihl + 12) & 0xff) >>> 4) * 4;
                int total = sizes[i];
                it.putShort(HEADROOM + 2, (short) total);
                Checksum.fixIpv4Header(it, HEADROOM);
                int partial = Checksum.fold(Checksum.pseudoHeader(it, HEADROOM, Checksum.PROTO_TCP, total - ihl));
                it.putShort(HEADROOM + ihl + VirtioNetHdr.TCP_CSUM_OFFSET, (short) partial);
                VirtioNetHdr.put(it, 0, VirtioNetHdr.F_NEEDS_CSUM, VirtioNetHdr.GSO_TCPV4, ihl + thl,
                        Math.abs(payloadSize[i]), ihl, VirtioNetHdr.TCP_CSUM_OFFSET);
            } else {
                VirtioNetHdr.putNone(it, 0);
            }
            sizes[i] += HEADROOM;
        }
        if (count > 0) {
            tun.write(items, sizes, count, 0);
        }
        count = 0;
    }
}

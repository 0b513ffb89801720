package dev.crossnet.backend.udp;

import dev.crossnet.sys.GatherBatch;
import dev.crossnet.sys.LibC;
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
 * segment's PSH. Because the kernel trusts a {@code NEEDS_CSUM} packet, every segment's own TCP
 * checksum is verified before it may join or start one; a segment that fails is written as it came,
 * behind an all-zero header, so that the kernel checks it, drops it and counts it (TCP
 * {@code InCsumErrors}) exactly as without coalescing. The outer UDP checksum does not make this
 * redundant: it may be zero (none) on IPv4, and it only covers the path from the peer.
 *
 * <p>Nothing is copied but headers: a held packet is its {@code virtio_net_hdr} and the first
 * segment's IP and TCP headers in a scratch buffer, followed by the payloads where they were
 * received, written with one gathering write ({@link TunDevice#write(GatherBatch)}). The buffers
 * passed to {@link #add} must therefore stay untouched until the next {@link #flush}.
 *
 * <p>Not thread-safe: one per receiving thread. Allocation-free after construction.
 */
public final class TcpCoalescer {

    static final int HEADROOM = VirtioNetHdr.SIZE; // each item: virtio_net_hdr, then the (link header and) IP packet
    static final int MAX_PACKET = 65_535; // the IPv4 total length field
    static final int SCAN = 8; // how many recent items a segment may join
    static final int ACK = 0x10;
    static final int MAX_SEGMENTS = 64; // payload pieces per coalesced packet (one iovec each)
    static final int ETHERNET = 14; // destination + source MAC + ethertype
    static final int ITEM_HEADERS = 160; // scratch per item: virtio_net_hdr + 14 Ethernet + 60 IP + 60 TCP, rounded

    private final TunDevice tun;
    private final int capacity;
    private final int link; // bytes of link header before each IP packet: 0 on a TUN, 14 (Ethernet) on a TAP
    private final ByteBuffer scratch; // item i's headers at i * ITEM_HEADERS
    private final long scratchAddress;
    private final int[] headerLength; // link + IP + TCP header bytes in scratch; 0 = the packet is one piece
    private final int[] sizes; // IP packet length
    private final int[] payloadSize; // the first segment's payload length (gso_size); 0 = closed or not TCP
    private final int[] nextSeq;
    private final int[] segments; // pieces held, at i * MAX_SEGMENTS
    private final ByteBuffer[] pieceBuffers;
    private final long[] pieceBases;
    private final int[] pieceOffsets;
    private final int[] pieceLengths;
    private final GatherBatch out;
    private int count;

    /** @param capacity how many packets to hold before writing them out */
    TcpCoalescer(TunDevice tun, int capacity) {
        this(tun, capacity, 0);
    }

    /**
     * A coalescer for a device whose packets carry a link header of {@code link} bytes before the
     * IP header (14 for Ethernet frames on a TAP, 0 on a TUN). On a TAP, only IPv4 frames with
     * identical Ethernet headers join, and the coalesced frame keeps that header.
     */
    public TcpCoalescer(TunDevice tun, int capacity, int link) {
        if (link != 0 && link != ETHERNET) {
            throw new IllegalArgumentException("link header must be 0 or " + ETHERNET + " bytes, got " + link);
        }
        this.tun = tun;
        this.link = link;
        this.capacity = capacity;
        this.scratch = ByteBuffer.allocateDirect(capacity * ITEM_HEADERS);
        this.scratchAddress = LibC.address(scratch);
        this.headerLength = new int[capacity];
        this.sizes = new int[capacity];
        this.payloadSize = new int[capacity];
        this.nextSeq = new int[capacity];
        this.segments = new int[capacity];
        this.pieceBuffers = new ByteBuffer[capacity * MAX_SEGMENTS];
        this.pieceBases = new long[capacity * MAX_SEGMENTS];
        this.pieceOffsets = new int[capacity * MAX_SEGMENTS];
        this.pieceLengths = new int[capacity * MAX_SEGMENTS];
        this.out = new GatherBatch(capacity, capacity * (MAX_SEGMENTS + 1));
    }

    /**
     * Adds the packet {@code b[off, off+len)} (on a TAP: the Ethernet frame), where {@code base} is
     * {@code b}'s native address; may write earlier packets to the device. Without a link header
     * the packet is a well-formed IPv4 packet (the caller validated it); on a TAP, a frame that is
     * not a well-formed IPv4 packet (by its ethertype, version, header and total length) is
     * written as it came.
     */
    public void add(ByteBuffer b, long base, int off, int len) throws IOException {
        int ip = off + link;
        int ipLen = len - link;
        int ihl = -1;
        if (link == 0) {
            ihl = (b.get(ip) & 0x0f) * 4;
        } else if (ipLen >= PacketValidator.IPV4_MIN_HEADER && (b.getShort(off + 12) & 0xffff) == 0x0800
                && (b.get(ip) & 0xf0) == 0x40 && (b.get(ip) & 0x0f) * 4 >= PacketValidator.IPV4_MIN_HEADER
                && (b.getShort(ip + 2) & 0xffff) == ipLen) {
            ihl = (b.get(ip) & 0x0f) * 4;
        }
        int thl = -1;
        int payload = 0;
        if (ihl > 0 && (b.get(ip + 9) & 0xff) == Checksum.PROTO_TCP && ipLen >= ihl + TsoSplitter.TCP_MIN_HEADER
                && (b.getShort(ip + 6) & 0x3fff) == 0) { // neither MF nor a fragment offset
            thl = ((b.get(ip + ihl + 12) & 0xff) >>> 4) * 4;
            payload = ipLen - ihl - thl;
            int flags = b.get(ip + ihl + 13) & 0xff;
            if (thl < TsoSplitter.TCP_MIN_HEADER || payload <= 0 || (flags & ~TsoSplitter.PSH) != ACK
                    || !tcpChecksumValid(b, ip, ihl, ipLen)) {
                thl = -1;
            }
        }
        if (thl > 0) {
            for (int i = count - 1; i >= 0 && i >= count - SCAN; i--) {
                if (payloadSize[i] == 0 || !sameFlow(at(i), b, ip, ihl)) {
                    continue;
                }
                if (canAppend(i, b, ip, ihl, thl, payload)) {
                    append(i, b, base, ip, ihl + thl, payload);
                    return;
                }
                break; // same flow but not joinable: a new packet, after this one, keeps the order
            }
        }
        if (count == capacity) {
            flush();
        }
        int i = count++;
        int headers = thl > 0 ? link + ihl + thl : 0;
        scratch.put(at(i) - link, b, off, headers);
        headerLength[i] = headers;
        sizes[i] = ipLen;
        segments[i] = 0;
        piece(i, b, base, off + headers, len - headers);
        payloadSize[i] = thl > 0 && (b.get(ip + ihl + 13) & TsoSplitter.PSH) == 0 ? payload : 0;
        nextSeq[i] = thl > 0 ? b.getInt(ip + ihl + 4) + payload : 0;
    }

    /** Whether the TCP segment of the IPv4 packet {@code b[off, off+len)} has a valid checksum. */
    static boolean tcpChecksumValid(ByteBuffer b, int off, int ihl, int len) {
        long pseudo = Checksum.pseudoHeader(b, off, Checksum.PROTO_TCP, len - ihl);
        return Checksum.fold(Checksum.sum(b, off + ihl, len - ihl, pseudo)) == 0xffff;
    }

    /** Where item {@code i}'s IP header starts in the scratch buffer (its link header, if any, just before). */
    private int at(int i) {
        return i * ITEM_HEADERS + HEADROOM + link;
    }

    private void piece(int i, ByteBuffer b, long base, int off, int len) {
        int p = i * MAX_SEGMENTS + segments[i]++;
        pieceBuffers[p] = b;
        pieceBases[p] = base;
        pieceOffsets[p] = off;
        pieceLengths[p] = len;
    }

    private boolean sameFlow(int at, ByteBuffer b, int off, int ihl) {
        return scratch.getLong(at + PacketValidator.IPV4_SRC) == b.getLong(off + PacketValidator.IPV4_SRC)
                && (scratch.get(at) & 0x0f) * 4 == ihl && scratch.getInt(at + ihl) == b.getInt(off + ihl)
                && (link == 0 || (scratch.getLong(at - link) == b.getLong(off - link)
                        && scratch.getInt(at - link + 8) == b.getInt(off - link + 8)
                        && scratch.getShort(at - link + 12) == b.getShort(off - link + 12)));
    }

    private boolean canAppend(int i, ByteBuffer b, int off, int ihl, int thl, int payload) {
        ByteBuffer it = scratch;
        int at = at(i);
        if (b.getInt(off + ihl + 4) != nextSeq[i] || payload > payloadSize[i] || sizes[i] + payload > MAX_PACKET
                || segments[i] == MAX_SEGMENTS
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

    private void append(int i, ByteBuffer b, long base, int off, int headers, int payload) {
        piece(i, b, base, off + headers, payload);
        sizes[i] += payload;
        nextSeq[i] += payload;
        int at = at(i);
        int ihl = (scratch.get(at) & 0x0f) * 4;
        int flags = b.get(off + ihl + 13) & 0xff;
        if ((flags & TsoSplitter.PSH) != 0) {
            scratch.put(at + ihl + 13, (byte) (scratch.get(at + ihl + 13) | TsoSplitter.PSH));
        }
        if ((flags & TsoSplitter.PSH) != 0 || payload < payloadSize[i]) {
            payloadSize[i] = -payloadSize[i]; // ended: negative keeps the gso_size for flush
        }
    }

    /**
     * Writes every held packet to the device (coalesced ones with a GSO header) and empties the
     * batch, also when the device refuses the write.
     */
    public void flush() throws IOException {
        if (count == 0) {
            return;
        }
        for (int i = 0; i < count; i++) {
            int at = at(i);
            int hdr = at - link - HEADROOM;
            if (segments[i] > 1) {
                int ihl = (scratch.get(at) & 0x0f) * 4;
                int thl = ((scratch.get(at + ihl + 12) & 0xff) >>> 4) * 4;
                int total = sizes[i];
                scratch.putShort(at + 2, (short) total);
                Checksum.fixIpv4Header(scratch, at);
                int partial = Checksum.fold(Checksum.pseudoHeader(scratch, at, Checksum.PROTO_TCP, total - ihl));
                scratch.putShort(at + ihl + VirtioNetHdr.TCP_CSUM_OFFSET, (short) partial);
                VirtioNetHdr.put(scratch, hdr, VirtioNetHdr.F_NEEDS_CSUM, VirtioNetHdr.GSO_TCPV4, link + ihl + thl,
                        Math.abs(payloadSize[i]), link + ihl, VirtioNetHdr.TCP_CSUM_OFFSET);
            } else {
                VirtioNetHdr.putNone(scratch, hdr);
            }
            out.begin(0, 0);
            out.add(scratch, scratchAddress, hdr, HEADROOM + headerLength[i]);
            for (int p = i * MAX_SEGMENTS; p < i * MAX_SEGMENTS + segments[i]; p++) {
                out.add(pieceBuffers[p], pieceBases[p], pieceOffsets[p], pieceLengths[p]);
            }
        }
        try {
            tun.write(out);
        } finally {
            out.clear();
            count = 0;
        }
    }
}

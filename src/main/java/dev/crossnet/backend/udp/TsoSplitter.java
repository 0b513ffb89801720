package dev.crossnet.backend.udp;

import java.nio.ByteBuffer;

/**
 * Splits a TCP/IPv4 super-packet that the kernel handed over with {@code VIRTIO_NET_HDR_GSO_TCPV4}
 * into the MSS-sized packets the kernel would have put on the wire: each segment gets a copy of the
 * IP and TCP headers with its own IP total length, IP ID (first ID + index), header checksum, TCP
 * sequence number, flags (FIN and PSH only on the last segment, CWR only on the first) and a full
 * TCP checksum. Every segment but the last carries exactly {@code mss} payload bytes, which is what
 * UDP GSO needs to send them in one call.
 *
 * <p>Stateful (one split at a time) and not thread-safe: one per sending thread. Allocation-free.
 */
public final class TsoSplitter {

    static final int TCP_MIN_HEADER = 20;
    static final int FIN = 0x01;
    static final int PSH = 0x08;
    static final int CWR = 0x80;

    private ByteBuffer in;
    private int pkt;
    private int ihl;
    private int headers; // ihl + TCP header length
    private int mss;
    private int payloadEnd;
    private int next; // absolute offset of the next segment's payload
    private int index;
    private int seq;
    private int id;
    private int flags;

    /**
     * Prepares to split the packet at {@code in[pkt, pkt+len)}.
     *
     * @return the number of segments, or -1 when it is not a splittable TCP/IPv4 packet
     */
    int begin(ByteBuffer in, int pkt, int len, int mss) {
        if (len < PacketValidator.IPV4_MIN_HEADER + TCP_MIN_HEADER || (in.get(pkt) & 0xf0) != 0x40 || mss <= 0) {
            return -1;
        }
        int ihlv = (in.get(pkt) & 0x0f) * 4;
        if (ihlv < PacketValidator.IPV4_MIN_HEADER || (in.get(pkt + 9) & 0xff) != Checksum.PROTO_TCP
                || ihlv + TCP_MIN_HEADER > len) {
            return -1;
        }
        int thl = ((in.get(pkt + ihlv + 12) & 0xff) >>> 4) * 4;
        if (thl < TCP_MIN_HEADER || ihlv + thl > len) {
            return -1;
        }
        this.in = in;
        this.pkt = pkt;
        this.ihl = ihlv;
        this.headers = ihlv + thl;
        this.mss = mss;
        this.payloadEnd = pkt + len;
        this.next = pkt + headers;
        this.index = 0;
        this.seq = in.getInt(pkt + ihlv + 4);
        this.id = in.getShort(pkt + 4) & 0xffff;
        this.flags = in.get(pkt + ihlv + 13) & 0xff;
        int payload = len - headers;
        return payload == 0 ? 1 : (payload + mss - 1) / mss;
    }

    /** Whether a segment remains. */
    boolean hasNext() {
        return next < payloadEnd || (index == 0 && next == payloadEnd);
    }

    /** The length (headers + payload) of the segment {@link #next} will write. */
    int nextLength() {
        return headers + Math.min(mss, payloadEnd - next);
    }

    /**
     * Writes the next segment, headers and payload, at {@code out[at]} and returns its length. The
     * payload is copied and summed into the TCP checksum in the same pass.
     */
    int next(ByteBuffer out, int at) {
        int payload = Math.min(mss, payloadEnd - next);
        boolean last = next + payload >= payloadEnd;
        out.put(at, in, pkt, headers);
        int total = headers + payload;
        out.putShort(at + 2, (short) total);
        out.putShort(at + 4, (short) (id + index));
        Checksum.fixIpv4Header(out, at);
        int tcp = at + ihl;
        out.putInt(tcp + 4, seq + (next - pkt - headers));
        int f = flags;
        if (!last) {
            f &= ~(FIN | PSH);
        }
        if (index > 0) {
            f &= ~CWR;
        }
        out.put(tcp + 13, (byte) f);
        out.putShort(tcp + VirtioNetHdr.TCP_CSUM_OFFSET, (short) 0);
        // The TCP header is a whole number of 32-bit words, so the payload's sum lines up after it.
        long sum = Checksum.pseudoHeader(out, at, Checksum.PROTO_TCP, total - ihl);
        sum = Checksum.sum(out, tcp, headers - ihl, sum);
        sum = Checksum.copyAndSum(in, next, out, at + headers, payload, sum);
        out.putShort(tcp + VirtioNetHdr.TCP_CSUM_OFFSET, (short) ~Checksum.fold(sum));
        next += payload;
        index++;
        return total;
    }

    /**
     * Completes a {@code VIRTIO_NET_HDR_F_NEEDS_CSUM} packet in place: the field at
     * {@code csumStart + csumOffset} holds the pseudo-header sum; the checksum of everything from
     * {@code csumStart} replaces it.
     *
     * @return false when the offsets lie outside the packet
     */
    public static boolean completeChecksum(ByteBuffer b, int pkt, int len, int csumStart, int csumOffset) {
        if (csumStart + csumOffset + 2 > len) {
            return false;
        }
        int c = ~Checksum.fold(Checksum.sum(b, pkt + csumStart, len - csumStart, 0)) & 0xffff;
        if (c == 0 && (b.get(pkt + 9) & 0xff) == 17) {
            c = 0xffff;
        }
        b.putShort(pkt + csumStart + csumOffset, (short) c);
        return true;
    }
}

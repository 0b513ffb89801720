package dev.crossnet.backend.udp;

import java.nio.ByteBuffer;

/**
 * Decides whether a datagram received on the udp backend's port may be written to the TUN
 * device. Pure and allocation-free: reads the buffer with absolute gets only and never changes
 * it. Thread-safe.
 *
 * <p>Checks, in order: the datagram's source is a current peer's endpoint; it holds exactly one
 * well-formed IPv4 packet (version 4, IHL ≥ 5 and within the datagram, total length equal to the
 * datagram length, correct header checksum); the inner source lies in the subnet of the peer at
 * that endpoint; the inner destination lies in this host's subnet.
 */
public final class PacketValidator {

    /** The verdict for an accepted datagram; any other verdict is a {@link DropReason} ordinal. */
    public static final int ACCEPT = -1;

    static final int IPV4_MIN_HEADER = 20; // 5 words of 4 bytes
    static final int IPV4_SRC = 12; // offset of the source address
    static final int IPV4_DST = 16; // offset of the destination address

    private PacketValidator() {
    }

    /**
     * The verdict for the datagram in {@code b[off, off+len)} received from {@code source}.
     *
     * @param ownNetwork the host subnet's network address, as {@link dev.crossnet.udp.Endpoints#ipv4}
     * @param ownPrefix  its prefix length; packets to addresses outside it are refused
     * @return {@link #ACCEPT} or the ordinal of the {@link DropReason}
     */
    static int check(ByteBuffer b, int off, int len, long source, ForwardingTable table, int ownNetwork, int ownPrefix) {
        Peer sender = table.byEndpoint(source);
        if (sender == null) {
            return DropReason.UNKNOWN_SOURCE.ordinal();
        }
        if (!isWellFormedIpv4(b, off, len)) {
            return DropReason.MALFORMED.ordinal();
        }
        Peer owner = table.lookup(b.getInt(off + IPV4_SRC));
        if (owner == null || owner.endpoint != source) {
            return DropReason.INNER_SOURCE.ordinal();
        }
        int dst = b.getInt(off + IPV4_DST);
        if (ownPrefix != 0 && ((dst ^ ownNetwork) >>> (32 - ownPrefix)) != 0) {
            return DropReason.INNER_DESTINATION.ordinal();
        }
        return ACCEPT;
    }

    /** Whether {@code b[off, off+len)} is exactly one IPv4 packet with a valid header. */
    public static boolean isWellFormedIpv4(ByteBuffer b, int off, int len) {
        if (len < IPV4_MIN_HEADER || off < 0 || off + len > b.capacity()) {
            return false;
        }
        int vihl = b.get(off) & 0xff;
        int headerLength = (vihl & 0x0f) * 4;
        if (vihl >>> 4 != 4 || headerLength < IPV4_MIN_HEADER || headerLength > len) {
            return false;
        }
        int totalLength = b.getShort(off + 2) & 0xffff;
        return totalLength == len && onesComplementSum(b, off, headerLength) == 0xffff;
    }

    /** The folded 16-bit ones' complement sum of {@code b[off, off+len)} ({@code len} even). */
    static int onesComplementSum(ByteBuffer b, int off, int len) {
        long sum = 0;
        for (int i = 0; i < len; i += 2) {
            sum += b.getShort(off + i) & 0xffff;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) sum;
    }
}

package dev.crossnet.backend.udp;

import java.nio.ByteBuffer;

/**
 * The {@code struct virtio_net_hdr} that prefixes every packet on a TUN fd opened with
 * {@code IFF_VNET_HDR}. Its 16-bit fields are little-endian (legacy virtio on a little-endian host,
 * which {@code LinuxUdp} and {@code LinuxTun} already require); the packet after it is big-endian.
 * Offsets ({@code csum_start}, {@code hdr_len}) count from the packet's first byte: on a TAP, from
 * the Ethernet header.
 * Static helpers only; thread-safe.
 */
public final class VirtioNetHdr {

    public static final int SIZE = 10; // u8 flags, u8 gso_type, u16 hdr_len, gso_size, csum_start, csum_offset
    public static final int F_NEEDS_CSUM = 1;
    public static final int GSO_NONE = 0;
    public static final int GSO_TCPV4 = 1;
    public static final int GSO_ECN = 0x80;
    public static final int TCP_CSUM_OFFSET = 16; // the checksum field within a TCP header

    private VirtioNetHdr() {
    }

    public static int flags(ByteBuffer b, int at) {
        return b.get(at) & 0xff;
    }

    public static int gsoType(ByteBuffer b, int at) {
        return b.get(at + 1) & 0xff & ~GSO_ECN;
    }

    public static int gsoSize(ByteBuffer b, int at) {
        return Short.toUnsignedInt(Short.reverseBytes(b.getShort(at + 4)));
    }

    public static int csumStart(ByteBuffer b, int at) {
        return Short.toUnsignedInt(Short.reverseBytes(b.getShort(at + 6)));
    }

    public static int csumOffset(ByteBuffer b, int at) {
        return Short.toUnsignedInt(Short.reverseBytes(b.getShort(at + 8)));
    }

    /** Writes a header. */
    public static void put(ByteBuffer b, int at, int flags, int gsoType, int hdrLen, int gsoSize, int csumStart, int csumOffset) {
        b.put(at, (byte) flags);
        b.put(at + 1, (byte) gsoType);
        b.putShort(at + 2, Short.reverseBytes((short) hdrLen));
        b.putShort(at + 4, Short.reverseBytes((short) gsoSize));
        b.putShort(at + 6, Short.reverseBytes((short) csumStart));
        b.putShort(at + 8, Short.reverseBytes((short) csumOffset));
    }

    /** Writes the all-zero header of a complete packet with valid checksums. */
    public static void putNone(ByteBuffer b, int at) {
        b.putLong(at, 0);
        b.putShort(at + 8, (short) 0);
    }
}

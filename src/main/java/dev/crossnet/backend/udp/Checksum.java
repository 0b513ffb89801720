package dev.crossnet.backend.udp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * Internet checksums (RFC 1071) over big-endian buffers. Pure, allocation-free, thread-safe.
 *
 * <p>The sum is the hot spot of the sending side (every byte sent is summed once). The ones'
 * complement sum of 32-bit words folds to the same 16-bit sum as that of 16-bit words, and summing
 * in the other byte order gives the byte-swapped sum (RFC 1071, section 2). So a direct buffer is
 * read eight bytes at a time in native order with {@code sun.misc.Unsafe}, the two 32-bit halves
 * go to two accumulators, and the folded result is swapped back: 2-4 times as fast as
 * {@code ByteBuffer.getLong}, whose access checks cost more than the sum, on a warm 64 KiB buffer
 * (a 64-bit end-around-carry variant was slower than both; {@code ChecksumJmh} measures all three,
 * figures in docs/benchmarks.md). Heap buffers, and platforms
 * where {@code Unsafe} or the buffer address cannot be had, take the {@code ByteBuffer} path.
 */
final class Checksum {

    static final int PROTO_TCP = 6;

    private Checksum() {
    }

    /**
     * The unfolded sum of {@code b[off, off+len)} taken as 16-bit big-endian words (an odd last byte
     * is padded with zero), plus {@code initial}. Fold with {@link #fold}.
     *
     * @throws IndexOutOfBoundsException when the range is outside the buffer's capacity
     */
    static long sum(ByteBuffer b, int off, int len, long initial) {
        Objects.checkFromIndexSize(off, len, b.capacity());
        if (NativeMemory.AVAILABLE && b.isDirect() && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            int swapped = fold(NativeMemory.sum(NativeMemory.address(b) + off, len));
            return initial + (((swapped & 0xff) << 8) | (swapped >>> 8));
        }
        return sumChecked(b, off, len, initial);
    }

    /**
     * Copies {@code src[so, so+len)} to {@code dst[dof, dof+len)} and returns {@code initial} plus
     * the copied bytes' sum as {@link #sum} would: one pass over the bytes for both jobs.
     *
     * @throws IndexOutOfBoundsException when a range is outside its buffer's capacity
     */
    static long copyAndSum(ByteBuffer src, int so, ByteBuffer dst, int dof, int len, long initial) {
        Objects.checkFromIndexSize(so, len, src.capacity());
        Objects.checkFromIndexSize(dof, len, dst.capacity());
        if (NativeMemory.AVAILABLE && src.isDirect() && dst.isDirect() && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            int swapped = fold(NativeMemory.copyAndSum(NativeMemory.address(src) + so, NativeMemory.address(dst) + dof, len));
            return initial + (((swapped & 0xff) << 8) | (swapped >>> 8));
        }
        dst.put(dof, src, so, len);
        return sumChecked(dst, dof, len, initial);
    }

    /** {@link #sum} through the buffer's own bounds-checked reads (package-private for {@code ChecksumJmh}). */
    static long sumChecked(ByteBuffer b, int off, int len, long initial) {
        long s = initial;
        int i = off;
        int end = off + len;
        for (; i + 8 <= end; i += 8) {
            long v = b.getLong(i);
            s += (v >>> 32) + (v & 0xffffffffL);
        }
        if (i + 4 <= end) {
            s += b.getInt(i) & 0xffffffffL;
            i += 4;
        }
        if (i + 2 <= end) {
            s += b.getShort(i) & 0xffff;
            i += 2;
        }
        if (i < end) {
            s += (b.get(i) & 0xff) << 8;
        }
        return s;
    }

    /** Folds a sum from {@link #sum} to 16 bits (not complemented). */
    static int fold(long s) {
        while ((s >>> 16) != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int) s;
    }

    /** The unfolded IPv4 pseudo-header sum for a transport segment of {@code length} bytes. */
    static long pseudoHeader(ByteBuffer ip, int ipOff, int proto, int length) {
        return (ip.getInt(ipOff + PacketValidator.IPV4_SRC) & 0xffffffffL)
                + (ip.getInt(ipOff + PacketValidator.IPV4_DST) & 0xffffffffL) + proto + length;
    }

    /** Recomputes the IPv4 header checksum of the packet at {@code off} in place. */
    static void fixIpv4Header(ByteBuffer b, int off) {
        int ihl = (b.get(off) & 0x0f) * 4;
        b.putShort(off + 10, (short) 0);
        b.putShort(off + 10, (short) ~fold(sum(b, off, ihl, 0)));
    }

    /**
     * Writes the full checksum of the transport segment at {@code b[off+ihl, off+totalLength)}
     * into its field at {@code fieldOffset} from the segment start (16 for TCP, 6 for UDP).
     */
    static void fixTransport(ByteBuffer b, int off, int fieldOffset) {
        int ihl = (b.get(off) & 0x0f) * 4;
        int total = b.getShort(off + 2) & 0xffff;
        int proto = b.get(off + 9) & 0xff;
        int seg = off + ihl;
        b.putShort(seg + fieldOffset, (short) 0);
        int c = ~fold(sum(b, seg, total - ihl, pseudoHeader(b, off, proto, total - ihl))) & 0xffff;
        if (c == 0 && proto == 17) {
            c = 0xffff; // UDP: zero means "no checksum"
        }
        b.putShort(seg + fieldOffset, (short) c);
    }
}

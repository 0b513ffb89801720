package dev.crossnet.backend.udp;

import java.lang.reflect.Field;
import java.nio.Buffer;
import java.nio.ByteBuffer;

/**
 * Raw reads of direct-buffer memory through {@code sun.misc.Unsafe} (module jdk.unsupported, open
 * to everyone in Java 17), for the one loop where {@code ByteBuffer} access checks dominate: the
 * checksum. {@link #AVAILABLE} is false when either {@code Unsafe} or {@code Buffer.address} cannot
 * be reached; callers then use {@code ByteBuffer}. Callers check bounds before calling.
 */
final class NativeMemory {

    static final boolean AVAILABLE;
    private static final sun.misc.Unsafe UNSAFE;
    private static final long ADDRESS_FIELD;

    static {
        sun.misc.Unsafe u = null;
        long field = -1;
        try {
            Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            u = (sun.misc.Unsafe) f.get(null);
            field = u.objectFieldOffset(Buffer.class.getDeclaredField("address"));
            ByteBuffer probe = ByteBuffer.allocateDirect(8).putLong(0, 0x0102030405060708L);
            if (u.getByte(u.getLong(probe, field)) != 0x01) {
                u = null; // not the field we think it is
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            u = null;
        }
        UNSAFE = u;
        ADDRESS_FIELD = field;
        AVAILABLE = u != null;
    }

    private NativeMemory() {
    }

    /** The native address of a direct buffer's first byte; only when {@link #AVAILABLE}. */
    static long address(ByteBuffer direct) {
        return UNSAFE.getLong(direct, ADDRESS_FIELD);
    }

    /**
     * The unfolded ones' complement sum of {@code len} bytes at {@code address} taken as 16-bit
     * words in native (little-endian) order, an odd last byte as the low byte of a last word; fold
     * and byte-swap it for the network-order sum.
     */
    static long sum(long address, int len) {
        sun.misc.Unsafe u = UNSAFE;
        long a = 0;
        long b = 0;
        long i = address;
        long end = address + len;
        for (; i + 16 <= end; i += 16) {
            long v = u.getLong(i);
            long w = u.getLong(i + 8);
            a += (v >>> 32) + (v & 0xffffffffL);
            b += (w >>> 32) + (w & 0xffffffffL);
        }
        for (; i + 4 <= end; i += 4) {
            a += u.getInt(i) & 0xffffffffL;
        }
        if (i + 2 <= end) {
            b += u.getShort(i) & 0xffff;
            i += 2;
        }
        if (i < end) {
            a += u.getByte(i) & 0xff;
        }
        return a + b;
    }

    /**
     * Copies {@code len} bytes from {@code src} to {@code dst} and returns their sum as {@link
     * #sum} does, in one pass: the bytes are read once, while they are in registers anyway.
     */
    static long copyAndSum(long src, long dst, int len) {
        sun.misc.Unsafe u = UNSAFE;
        long a = 0;
        long b = 0;
        long i = 0;
        for (; i + 16 <= len; i += 16) {
            long v = u.getLong(src + i);
            long w = u.getLong(src + i + 8);
            u.putLong(dst + i, v);
            u.putLong(dst + i + 8, w);
            a += (v >>> 32) + (v & 0xffffffffL);
            b += (w >>> 32) + (w & 0xffffffffL);
        }
        for (; i + 4 <= len; i += 4) {
            int v = u.getInt(src + i);
            u.putInt(dst + i, v);
            a += v & 0xffffffffL;
        }
        if (i + 2 <= len) {
            short v = u.getShort(src + i);
            u.putShort(dst + i, v);
            b += v & 0xffff;
            i += 2;
        }
        if (i < len) {
            byte v = u.getByte(src + i);
            u.putByte(dst + i, v);
            a += v & 0xff;
        }
        return a + b;
    }
}

package dev.crossnet.sys;

import java.nio.ByteBuffer;

/**
 * Native addresses of an array of direct buffers, computed once per array so that the per-batch
 * path allocates nothing. The caller must pass the same array with the same elements each time
 * (replacing an element of a cached array is not noticed). Not thread-safe: one per I/O thread.
 */
public final class BufferAddresses {
    private ByteBuffer[] bufs;
    private long[] addrs;

    /** The addresses of {@code b}'s elements, indexed like {@code b}. */
    public long[] of(ByteBuffer[] b) {
        if (b != bufs) {
            long[] a = new long[b.length];
            for (int i = 0; i < b.length; i++) {
                a[i] = LibC.address(b[i]);
            }
            addrs = a;
            bufs = b;
        }
        return addrs;
    }
}

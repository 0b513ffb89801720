package dev.crossnet.tun;

import dev.crossnet.sys.GatherBatch;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A layer-3 tunnel device that carries bare IP packets (no packet-information prefix), or, when
 * {@link #vnetHdr()}, IP packets behind a {@code virtio_net_hdr}, read and written in batches.
 *
 * <p>Buffers are the caller's and are reused: a packet occupies {@code bufs[i]} from absolute
 * index {@code offset} for {@code sizes[i]} bytes; positions and limits are ignored and left
 * alone. Implementations may require direct buffers. One thread may read while another writes;
 * neither method may be called by two threads at once.
 */
public interface TunDevice extends Closeable {

    /** The kernel interface name, e.g. {@code crossnet0}. */
    String name();

    /**
     * Whether every packet read or written is prefixed by a 10-byte {@code struct virtio_net_hdr}
     * (Linux {@code IFF_VNET_HDR} with TSO offloads on): reads may then return TCP super-packets of
     * up to 64 KiB, and writes may carry them. False for a plain device.
     */
    default boolean vnetHdr() {
        return false;
    }

    /**
     * Reads up to {@code bufs.length} packets. Blocks up to {@code timeoutMillis} for the first one,
     * then takes only those already queued.
     *
     * @return the number of packets read, 0 on timeout
     * @throws IOException when the device fails or is closed
     */
    int read(ByteBuffer[] bufs, int[] sizes, int offset, int timeoutMillis) throws IOException;

    /**
     * Writes the first {@code count} packets, skipping those with {@code sizes[i] == 0}. A packet
     * the kernel refuses is dropped and counted, not thrown.
     *
     * @return the number of packets the kernel accepted
     * @throws IOException when the device itself fails or is closed
     */
    int write(ByteBuffer[] bufs, int[] sizes, int count, int offset) throws IOException;

    /**
     * Writes every message of {@code batch} (see {@link GatherBatch}) as one packet, its pieces in
     * order; destinations and segment sizes are ignored. Leaves the batch as it is; the caller
     * clears it. A packet the kernel refuses is dropped and counted, not thrown.
     *
     * <p>This default copies each message into one buffer; implementations that can gather (Linux
     * {@code writev}) override it.
     *
     * @return the number of packets the kernel accepted
     */
    default int write(GatherBatch batch) throws IOException {
        int n = batch.messages();
        ByteBuffer[] bufs = new ByteBuffer[n];
        int[] sizes = new int[n];
        for (int m = 0; m < n; m++) {
            bufs[m] = ByteBuffer.allocateDirect(Math.max(1, batch.bytes(m)));
            sizes[m] = batch.copyMessage(m, bufs[m], 0);
        }
        return write(bufs, sizes, n, 0);
    }

    /** Releases the file descriptor. A persistent device stays in the kernel. Idempotent. */
    @Override
    void close();
}

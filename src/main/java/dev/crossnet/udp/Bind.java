package dev.crossnet.udp;

import dev.crossnet.sys.GatherBatch;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A bound UDP socket that moves datagrams in batches.
 *
 * <p>Buffers are the caller's and are reused: a datagram occupies {@code bufs[i]} from absolute
 * index {@code offset} for {@code sizes[i]} bytes; positions and limits are ignored. Endpoints
 * are packed as {@link Endpoints}. One thread may receive while another sends; neither method may
 * be called by two threads at once.
 */
public interface Bind extends Closeable {

    /** The local endpoint this socket is bound to. */
    long localEndpoint();

    /**
     * Receives up to {@code bufs.length} datagrams, filling {@code sizes} and {@code sources}.
     * Blocks up to {@code timeoutMillis} for the first one, then takes only those already queued.
     *
     * @return the number received, 0 on timeout
     * @throws IOException when the socket fails or is closed
     */
    int receive(ByteBuffer[] bufs, int[] sizes, long[] sources, int offset, int timeoutMillis) throws IOException;

    /**
     * Sends the first {@code count} datagrams to {@code dests[i]}, skipping those with
     * {@code sizes[i] == 0}. Blocks while the socket's send buffer is full. A datagram the kernel
     * refuses (e.g. no route) is dropped and counted, not thrown.
     *
     * @return the number the kernel accepted
     * @throws IOException when the socket is closed
     */
    int send(ByteBuffer[] bufs, int[] sizes, long[] dests, int count, int offset) throws IOException;

    /** Whether {@link #send(ByteBuffer[], int[], int[], long[], int, int)} may carry segmented slots (UDP GSO). */
    default boolean gso() {
        return false;
    }

    /**
     * Like {@link #receive(ByteBuffer[], int[], long[], int, int)}, but a buffer may hold several
     * datagrams from one source (UDP GRO): {@code segments[i]} is then the size at which to cut
     * {@code bufs[i]} (every piece that size, the last possibly shorter), and 0 for one datagram.
     */
    default int receive(ByteBuffer[] bufs, int[] sizes, int[] segments, long[] sources, int offset, int timeoutMillis)
            throws IOException {
        int n = receive(bufs, sizes, sources, offset, timeoutMillis);
        java.util.Arrays.fill(segments, 0, n, 0);
        return n;
    }

    /**
     * Like {@link #send(ByteBuffer[], int[], long[], int, int)}, but when {@link #gso()} a slot with
     * {@code segments[i] > 0} is a train of datagrams of that size (the last possibly shorter), all
     * to {@code dests[i]}. Without GSO every {@code segments[i]} must be 0.
     */
    default int send(ByteBuffer[] bufs, int[] sizes, int[] segments, long[] dests, int count, int offset) throws IOException {
        return send(bufs, sizes, dests, count, offset);
    }

    /**
     * Sends every message of {@code batch} (see {@link GatherBatch}) to its destination: a message
     * with a segment size smaller than its length is a UDP GSO train (only when {@link #gso()}),
     * any other is one datagram. Leaves the batch as it is; the caller clears it. A datagram the
     * kernel refuses is dropped and counted, not thrown.
     *
     * <p>This default copies each message into one buffer and sends those; implementations that
     * can gather (Linux {@code sendmmsg} with several iovecs) override it.
     *
     * @return the number of messages the kernel accepted
     */
    default int send(GatherBatch batch) throws IOException {
        int n = batch.messages();
        ByteBuffer[] bufs = new ByteBuffer[n];
        int[] sizes = new int[n];
        int[] segments = new int[n];
        long[] dests = new long[n];
        for (int m = 0; m < n; m++) {
            bufs[m] = ByteBuffer.allocateDirect(Math.max(1, batch.bytes(m)));
            sizes[m] = batch.copyMessage(m, bufs[m], 0);
            segments[m] = batch.segment(m) < sizes[m] ? batch.segment(m) : 0;
            dests[m] = batch.dest(m);
        }
        return send(bufs, sizes, segments, dests, n, 0);
    }

    /** Closes the socket. Idempotent. */
    @Override
    void close();
}

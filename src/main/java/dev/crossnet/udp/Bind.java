package dev.crossnet.udp;

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

    /** Closes the socket. Idempotent. */
    @Override
    void close();
}

package dev.crossnet.docker.sealed;

import dev.crossnet.backend.udp.TcpCoalescer;
import dev.crossnet.backend.udp.VirtioNetHdr;
import dev.crossnet.sys.GatherBatch;
import dev.crossnet.tun.TunDevice;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One encrypted network with a segment on this host: its TAP device (the bridge's port to the other
 * hosts), its remote endpoints, and the thread that reads the TAP. Frames are written to the TAP
 * by the receiving thread (through a {@link TcpCoalescer} when the TAP has a {@code virtio_net_hdr})
 * and by the reading thread (ARP replies), one writer at a time: every write holds this object's
 * lock, and none happens after {@link #close}. Thread-safe.
 */
final class TapPort {
    final int vni;
    final TunDevice tap;
    volatile FrameTable table = FrameTable.EMPTY;
    volatile boolean stop;
    Thread reader;
    private final TcpCoalescer coalescer; // with a virtio_net_hdr; owned by the receiving thread, under the lock
    // One frame per write, from whichever buffer holds it: a gather list of one piece carries its own
    // address (TunDevice.write(ByteBuffer[]...) may cache the addresses of an array it saw before).
    private final GatherBatch one = new GatherBatch(1, 1);
    private boolean closed;

    /** @param batch how many datagrams the receiving thread opens between two {@link #flush}es */
    TapPort(int vni, TunDevice tap, int batch) {
        this.vni = vni;
        this.tap = tap;
        this.coalescer = tap.vnetHdr() ? new TcpCoalescer(tap, 2 * batch, FrameSwitch.ETH_HEADER) : null;
    }

    /**
     * Writes the checked frame {@code b[off, off+len)} ({@code base}: {@code b}'s native address):
     * with a {@code virtio_net_hdr}, to the coalescer, which writes at the latest on {@link #flush}
     * (so {@code b} must stay untouched until then); without, at once. Receiving thread only.
     */
    synchronized void deliver(ByteBuffer b, long base, int off, int len) throws IOException {
        if (closed) {
            return;
        }
        if (coalescer != null) {
            coalescer.add(b, base, off, len);
        } else {
            write(b, base, off, len);
        }
    }

    /** Writes what the coalescer holds. Receiving thread only. */
    synchronized void flush() throws IOException {
        if (!closed && coalescer != null) {
            coalescer.flush();
        }
    }

    /**
     * Writes a frame the agent made (an ARP reply) at {@code b[off, off+len)}, {@code base} being
     * {@code b}'s native address; with a {@code virtio_net_hdr}, the {@value VirtioNetHdr#SIZE}
     * bytes before {@code off} are overwritten with an all-zero header. Reading thread.
     */
    synchronized void reply(ByteBuffer b, long base, int off, int len) throws IOException {
        if (closed) {
            return;
        }
        if (tap.vnetHdr()) {
            VirtioNetHdr.putNone(b, off - VirtioNetHdr.SIZE);
            write(b, base, off - VirtioNetHdr.SIZE, len + VirtioNetHdr.SIZE);
        } else {
            write(b, base, off, len);
        }
    }

    private void write(ByteBuffer b, long base, int off, int len) throws IOException {
        try {
            one.begin(0, 0);
            one.add(b, base, off, len);
            tap.write(one);
        } finally {
            one.clear();
        }
    }

    /** Closes the TAP's fd (the device stays); later writes are skipped. The reader must have stopped. Idempotent. */
    synchronized void close() {
        closed = true;
        tap.close();
    }
}

package dev.crossnet.tun;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link TunDevice} backed by two queues, after wireguard-go's {@code tuntest}: tests put the
 * packets "the kernel sends" in {@link #inbound} and take what the datapath wrote from
 * {@link #outbound}. Thread-safe.
 */
public final class ChannelTun implements TunDevice {
    /** Packets the datapath will read, as if routed to the device by the kernel. */
    public final BlockingQueue<byte[]> inbound = new LinkedBlockingQueue<>();
    /** Packets the datapath wrote to the device. */
    public final BlockingQueue<byte[]> outbound = new LinkedBlockingQueue<>();
    private final boolean vnetHdr;
    private volatile boolean closed;

    /** A plain device. */
    public ChannelTun() {
        this(false);
    }

    /** With {@code vnetHdr}, packets in both queues carry a 10-byte virtio_net_hdr prefix. */
    public ChannelTun(boolean vnetHdr) {
        this.vnetHdr = vnetHdr;
    }

    @Override
    public boolean vnetHdr() {
        return vnetHdr;
    }

    @Override
    public String name() {
        return "chantun";
    }

    @Override
    public int read(ByteBuffer[] bufs, int[] sizes, int offset, int timeoutMillis) throws java.io.IOException {
        if (closed) {
            throw new java.io.IOException("closed");
        }
        try {
            byte[] first = inbound.poll(timeoutMillis, TimeUnit.MILLISECONDS);
            if (first == null) {
                return 0;
            }
            List<byte[]> got = new ArrayList<>();
            got.add(first);
            inbound.drainTo(got, bufs.length - 1);
            for (int i = 0; i < got.size(); i++) {
                bufs[i].put(offset, got.get(i));
                sizes[i] = got.get(i).length;
            }
            return got.size();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    @Override
    public int write(ByteBuffer[] bufs, int[] sizes, int count, int offset) {
        int n = 0;
        for (int i = 0; i < count; i++) {
            if (sizes[i] > 0) {
                byte[] p = new byte[sizes[i]];
                bufs[i].get(offset, p);
                outbound.add(p);
                n++;
            }
        }
        return n;
    }

    @Override
    public void close() {
        closed = true;
    }
}

package dev.crossnet.udp;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link Bind} backed by two queues, after wireguard-go's {@code bindtest}: tests put datagrams
 * "from the network" in {@link #inbound} and take what the datapath sent from {@link #outbound}.
 * Thread-safe.
 */
public final class ChannelBind implements Bind {

    /** A datagram and its remote endpoint (source when inbound, destination when outbound). */
    public record Datagram(long remote, byte[] payload) {
    }

    public final BlockingQueue<Datagram> inbound = new LinkedBlockingQueue<>();
    public final BlockingQueue<Datagram> outbound = new LinkedBlockingQueue<>();
    private final long local;
    private volatile boolean closed;

    public ChannelBind(long local) {
        this.local = local;
    }

    @Override
    public long localEndpoint() {
        return local;
    }

    @Override
    public int receive(ByteBuffer[] bufs, int[] sizes, long[] sources, int offset, int timeoutMillis)
            throws java.io.IOException {
        if (closed) {
            throw new java.io.IOException("closed");
        }
        try {
            Datagram first = inbound.poll(timeoutMillis, TimeUnit.MILLISECONDS);
            if (first == null) {
                return 0;
            }
            List<Datagram> got = new ArrayList<>();
            got.add(first);
            inbound.drainTo(got, bufs.length - 1);
            for (int i = 0; i < got.size(); i++) {
                bufs[i].put(offset, got.get(i).payload());
                sizes[i] = got.get(i).payload().length;
                sources[i] = got.get(i).remote();
            }
            return got.size();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    @Override
    public int send(ByteBuffer[] bufs, int[] sizes, long[] dests, int count, int offset) {
        int n = 0;
        for (int i = 0; i < count; i++) {
            if (sizes[i] > 0) {
                byte[] p = new byte[sizes[i]];
                bufs[i].get(offset, p);
                outbound.add(new Datagram(dests[i], p));
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

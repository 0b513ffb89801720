package dev.crossnet.dns;

import dev.crossnet.CrossnetException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DNS over UDP on one address: one thread receives a query, asks the {@link DnsResponder} (which
 * never blocks) and sends the answer. No TCP: answers are a few A records, and Docker's embedded
 * DNS forwards over UDP what containers ask over UDP.
 *
 * <p>Thread-safe; {@link #close} is idempotent and returns once the thread has stopped.
 */
public final class DnsServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DnsServer.class);
    static final int MAX_DATAGRAM = 65_535;

    private final DatagramChannel channel;
    private final DnsResponder responder;
    private final InetSocketAddress address;
    private final Thread thread;
    private volatile boolean closed;

    private DnsServer(DatagramChannel channel, DnsResponder responder) throws IOException {
        this.channel = channel;
        this.responder = responder;
        this.address = (InetSocketAddress) channel.getLocalAddress();
        this.thread = new Thread(this::serve, "dns-" + address);
        this.thread.setDaemon(true);
    }

    /**
     * Binds {@code address} (port 0 picks one) and starts answering.
     *
     * @throws CrossnetException naming the address if it cannot be bound, or if it is the wildcard
     *     address (listening on every interface would make this reachable from outside)
     */
    public static DnsServer start(InetSocketAddress address, DnsResponder responder) {
        if (address.getAddress() == null || address.getAddress().isAnyLocalAddress()) {
            throw new CrossnetException("--listen: " + address + " is the wildcard address; give this host's own address");
        }
        DatagramChannel ch = null;
        try {
            ch = DatagramChannel.open();
            ch.bind(address);
            DnsServer s = new DnsServer(ch, responder);
            s.thread.start();
            log.info("dns: answering on udp {}", s.address);
            return s;
        } catch (IOException e) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // already failing
                }
            }
            throw new CrossnetException("--listen: cannot bind udp " + address + ": " + e.getMessage(), e);
        }
    }

    public InetSocketAddress address() {
        return address;
    }

    private void serve() {
        ByteBuffer buf = ByteBuffer.allocate(MAX_DATAGRAM);
        while (!closed) {
            try {
                buf.clear();
                InetSocketAddress from = (InetSocketAddress) channel.receive(buf);
                buf.flip();
                byte[] answer = responder.respond(Arrays.copyOf(buf.array(), buf.limit()), from.getAddress());
                if (answer != null) {
                    channel.send(ByteBuffer.wrap(answer), from);
                }
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException | RuntimeException e) {
                log.warn("dns: {}", e.toString()); // one bad datagram must not stop the server
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            channel.close();
            thread.join(5_000);
        } catch (IOException e) {
            log.debug("dns: close: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

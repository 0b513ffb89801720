package dev.crossnet.probe;

import dev.crossnet.ProblemLog;
import dev.crossnet.model.Subnet;
import inet.ipaddr.IPAddress;
import inet.ipaddr.ipv4.IPv4Address;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's overlay probe (see the package comment): one thread, {@code overlay-probe}, with one UDP socket bound
 * to this host's overlay address. Each round ({@link #roundLength}: {@link #INTERVAL}, longer with more than
 * {@link #ECHOES_PER_SECOND} times as many peers) it sends one echo to every peer, spread over the round in
 * {@link #SLICE}s, and in between answers the echoes that reach it and counts the answers: the socket is non-blocking
 * and the thread waits in a selector until a datagram arrives or the slice ends, so an idle slice is one wake-up with
 * no exception and no per-echo string or lock beyond the peer's record. When this host's lease changes it binds again; a socket
 * that cannot be bound (the address not there yet) is retried each round and reported as a current problem.
 * {@link #results()} is thread-safe.
 */
public final class OverlayProbe implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OverlayProbe.class);
    /** The probe's UDP port, on the overlay addresses only (8472 is vxlan's, 8285 udp's). */
    public static final int PORT = 8474;
    /** One echo per peer per round, and a round takes this long with up to 2 x {@link #ECHOES_PER_SECOND} (40) peers. */
    public static final Duration INTERVAL = Duration.ofSeconds(2);
    /**
     * The most echoes sent per second: with more peers a round gets longer (1000 peers: 50 s, loss window 151 s), so
     * the probe's cost on every host stays bounded however large the cluster. With peers that answer, each echo is
     * four datagrams on this host (the echo, its answer, and a peer's echo and our answer to it, since every peer
     * probes at the same pace): 100 a second cost the probe's thread about 1 % of a CPU (docs/benchmarks.md, "One
     * agent, 1000 peers"), the whole agent's idle budget; 20 a second cost about a fifth of that.
     */
    public static final int ECHOES_PER_SECOND = 20;
    /** A round's echoes go out in even shares, one share per slice, not in one burst; a slice is one wake-up. */
    static final Duration SLICE = Duration.ofMillis(500);
    /**
     * The most echoes answered per round, or twice the number of peers if that is more (each peer sends one per
     * round of the same length): a flood from inside the network costs at most this many datagrams.
     */
    public static final int MAX_ANSWERS = 1024;

    private final Supplier<ProbeTarget> self;
    private final Supplier<List<ProbeTarget>> peers;
    private final Subnet network;
    private final int port;
    private final Clock clock;
    private final LongSupplier nanos;
    private final PeerProbes probes;
    private final ProblemLog problems = new ProblemLog(log, "overlay probe");
    private final Thread thread;
    private volatile boolean closed;
    private DatagramChannel channel; // probe thread only, non-blocking, registered with the selector
    private Selector selector; // probe thread only, opened with the first channel
    private InetAddress bound; // probe thread only
    private String socketProblem; // probe thread only: the socket problems' object name now
    private final java.util.Set<String> failingEchoes = new java.util.HashSet<>(); // probe thread only: PublicIPs
    private final ByteBuffer out = ByteBuffer.allocateDirect(ProbePacket.LENGTH); // probe thread only
    private final ByteBuffer in = ByteBuffer.allocate(ProbePacket.LENGTH + 1); // one more: a longer datagram is not a probe

    /**
     * @param self    this host's lease as a target (null while it holds none); called on the probe thread
     * @param peers   the peers now; called on the probe thread
     * @param network the flannel Network: only echoes from inside it are answered
     * @param port    {@link #PORT}, or another for tests
     * @param nanos   a monotonic ticker ({@code System::nanoTime}) for RTTs
     */
    public OverlayProbe(Supplier<ProbeTarget> self, Supplier<List<ProbeTarget>> peers, Subnet network, int port, Clock clock,
                        LongSupplier nanos) {
        this.self = self;
        this.peers = peers;
        this.network = network;
        this.port = port;
        this.clock = clock;
        this.nanos = nanos;
        this.probes = new PeerProbes(lossWindow(INTERVAL), new SecureRandom().nextLong());
        this.thread = new Thread(this::run, "overlay-probe");
        thread.setDaemon(true);
    }

    /** A probe on {@link #PORT} with the system clock, started. */
    public static OverlayProbe start(Supplier<ProbeTarget> self, Supplier<List<ProbeTarget>> peers, Subnet network) {
        OverlayProbe p = new OverlayProbe(self, peers, network, PORT, Clock.systemUTC(), System::nanoTime);
        p.start();
        return p;
    }

    /** Starts the thread. Call once. */
    public void start() {
        thread.start();
    }

    /** Every peer probed so far, reachable or not, with its last RTT. Thread-safe. */
    public List<PeerProbes.Reach> results() {
        return probes.snapshot(clock.instant());
    }

    /** What {@link #results()} says apart from RTTs and probe times, without a per-peer object. Thread-safe. */
    public PeerProbes.Sketch sketch() {
        return probes.sketch(clock.instant());
    }

    /** How many answers were counted so far: the RTTs of {@link #results()} can only differ when this does. Thread-safe. */
    public long answers() {
        return probes.answers();
    }

    /** How long a round takes with {@code peers} peers: {@link #INTERVAL}, or longer to keep to {@link #ECHOES_PER_SECOND}. */
    static Duration roundLength(int peers) {
        Duration paced = Duration.ofMillis((peers * 1000L + ECHOES_PER_SECOND - 1) / ECHOES_PER_SECOND);
        return paced.compareTo(INTERVAL) > 0 ? paced : INTERVAL;
    }

    /** Three rounds and a second: two echoes lost in a row do not make a peer unreachable, three do. */
    static Duration lossWindow(Duration round) {
        return round.multipliedBy(3).plusSeconds(1);
    }

    private void run() {
        try {
            while (!closed) {
                long start = nanos.getAsLong();
                long roundEnd = start + INTERVAL.toNanos();
                try {
                    roundEnd = round(start);
                } catch (RuntimeException e) {
                    problems.failed("probe round", String.valueOf(e.getMessage()));
                }
                sleepUntil(roundEnd);
            }
        } finally {
            closeQuietly(channel);
            closeQuietly(selector);
        }
    }

    /**
     * One round from {@code start}: (re)bind if needed, then one echo per peer in even shares per {@link #SLICE},
     * answering echoes in between. Returns when the round ends ({@code start} + {@link #INTERVAL} if there is no lease or
     * socket yet).
     */
    private long round(long start) {
        long idleEnd = start + INTERVAL.toNanos();
        ProbeTarget me = self.get();
        if (me == null) {
            return idleEnd;
        }
        DatagramChannel ch = channel(me.address());
        if (ch == null) {
            return idleEnd;
        }
        List<ProbeTarget> now = peers.get();
        probes.retain(now);
        if (!failingEchoes.isEmpty()) {
            java.util.Set<String> current = new java.util.HashSet<>();
            for (ProbeTarget peer : now) {
                current.add(peer.publicIp());
            }
            failingEchoes.removeIf(publicIp -> {
                if (!current.contains(publicIp)) {
                    problems.forget(echoProblem(publicIp)); // a peer that left
                    return true;
                }
                return false;
            });
        }
        Duration length = roundLength(now.size());
        probes.lossWindow(lossWindow(length));
        int slices = (int) Math.max(1, length.toMillis() / SLICE.toMillis());
        long sliceNanos = length.toNanos() / slices;
        int answersLeft = Math.max(MAX_ANSWERS, 2 * now.size());
        for (int i = 0; i < slices && !closed; i++) {
            int from = (int) ((long) i * now.size() / slices);
            int to = (int) ((long) (i + 1) * now.size() / slices);
            send(ch, me, now.subList(from, to));
            answersLeft -= receive(ch, start + (i + 1) * sliceNanos, answersLeft);
        }
        return start + length.toNanos();
    }

    private static String echoProblem(String publicIp) {
        return "echo to " + publicIp;
    }

    private void send(DatagramChannel ch, ProbeTarget me, List<ProbeTarget> share) {
        for (ProbeTarget peer : share) {
            if (peer.address().equals(me.address())) {
                continue;
            }
            out.clear();
            probes.echo(peer, nanos.getAsLong(), clock.instant()).encodeTo(out);
            out.flip();
            try {
                ch.send(out, new InetSocketAddress(peer.address(), port));
                // Only a peer that failed has a problem to clear: no string or lock per echo otherwise.
                if (!failingEchoes.isEmpty() && failingEchoes.remove(peer.publicIp())) {
                    problems.succeeded(echoProblem(peer.publicIp()));
                }
            } catch (ClosedChannelException e) {
                return; // closing (an interrupt closes the channel)
            } catch (IOException e) {
                // E.g. no route yet to a peer that just joined: unreachable until it works.
                problems.failed(echoProblem(peer.publicIp()), String.valueOf(e.getMessage()));
                failingEchoes.add(peer.publicIp());
            }
        }
    }

    /** The channel on {@code address}, bound anew if the address changed; null (reported) when it cannot be bound. */
    private DatagramChannel channel(InetAddress address) {
        DatagramChannel ch = channel;
        if (ch != null && address.equals(bound)) {
            return ch;
        }
        if (ch != null) {
            closeQuietly(ch);
            channel = null;
        }
        String what = "socket on " + address.getHostAddress() + ":" + port;
        if (socketProblem != null && !socketProblem.equals(what)) {
            problems.forget(socketProblem); // another address now: the old one's failure is not current
        }
        socketProblem = what;
        DatagramChannel fresh = null;
        try {
            if (selector == null) {
                selector = Selector.open();
            }
            fresh = DatagramChannel.open(StandardProtocolFamily.INET);
            fresh.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            fresh.bind(new InetSocketAddress(address, port));
            fresh.configureBlocking(false);
            fresh.register(selector, SelectionKey.OP_READ);
            bound = address;
            channel = fresh;
            problems.succeeded(what);
            log.info("overlay probe on {}", what);
            return fresh;
        } catch (IOException e) {
            closeQuietly(fresh);
            problems.failed(what, String.valueOf(e.getMessage()));
            return null;
        }
    }

    /**
     * Waits for datagrams until {@code until} (one wake-up per datagram burst or at the end, no timeout exception),
     * answering at most {@code maxAnswers} echoes; returns how many it answered.
     */
    private int receive(DatagramChannel ch, long until, int maxAnswers) {
        int answers = 0;
        while (!closed) {
            long left = until - nanos.getAsLong();
            if (left <= 0) {
                return answers;
            }
            try {
                selector.select(Math.max(1, Duration.ofNanos(left).toMillis()));
                selector.selectedKeys().clear();
                answers += drain(ch, maxAnswers - answers);
            } catch (ClosedChannelException | ClosedSelectorException e) {
                return answers; // closed
            } catch (IOException e) {
                problems.failed("receive", String.valueOf(e.getMessage()));
                return answers;
            }
        }
        return answers;
    }

    /** Reads every datagram waiting on {@code ch}; returns how many echoes it answered (at most {@code maxAnswers}). */
    private int drain(DatagramChannel ch, int maxAnswers) throws IOException {
        int answers = 0;
        while (true) {
            in.clear();
            java.net.SocketAddress sender = ch.receive(in);
            if (sender == null) {
                return answers;
            }
            ProbePacket p = ProbePacket.decode(in.array(), in.position());
            InetAddress from = ((InetSocketAddress) sender).getAddress();
            if (p == null || !inNetwork(from)) {
                continue;
            }
            if (p.kind() == ProbePacket.Kind.ANSWER) {
                probes.answered(from, p, nanos.getAsLong(), clock.instant());
            } else if (answers < maxAnswers) {
                answers++;
                out.clear();
                p.answer().encodeTo(out);
                out.flip();
                try {
                    ch.send(out, sender);
                } catch (IOException e) {
                    log.debug("answer to {}: {}", sender, e.getMessage());
                }
            }
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                log.debug("closing the probe's socket: {}", e.getMessage());
            }
        }
    }

    private boolean inNetwork(InetAddress from) {
        if (!(from instanceof Inet4Address)) {
            return false;
        }
        IPAddress a = new IPv4Address(from.getAddress());
        return network.contains(a);
    }

    private void sleepUntil(long deadline) {
        long left = deadline - nanos.getAsLong();
        if (left > 0 && !closed) {
            try {
                Thread.sleep(Duration.ofNanos(left).toMillis() + 1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                closed = true;
            }
        }
    }

    /** Stops the thread and closes the socket. Idempotent. */
    @Override
    public void close() {
        closed = true;
        thread.interrupt(); // ends a select or a sleep; the thread closes its channel and selector on its way out
        try {
            thread.join(Duration.ofSeconds(5).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        problems.close();
    }
}

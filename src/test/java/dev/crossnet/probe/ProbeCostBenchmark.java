package dev.crossnet.probe;

import dev.crossnet.model.Subnet;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What the overlay probe's thread costs with {@code N} peers that answer, against {@code N} that do not (issue 10's
 * idle-CPU benchmark, {@code AgentPeersBenchmark}, has only peers that never answer). On loopback, no root: one
 * {@link OverlayProbe} on 127.77.0.1 and {@code N} peers, each a socket on its own 127.78.x.y, served by one
 * thread that answers the probe's echoes from the peer's address and, when the peers answer, also sends the probe
 * the echoes {@code N} real peers would (each peer one per round of the same length: the probe answers as many
 * echoes as it sends). Prints the probe thread's CPU (utime + stime of its {@code /proc} task) over the window, and
 * how many peers it found reachable. Loopback costs less per datagram than vxlan and a veth (no encapsulation, no
 * second device), so the kernel's share with real peers is larger than here. Prints, never asserts.
 *
 * <pre>
 * java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp target/classes:target/test-classes:$(cat target/cp.txt) \
 *     dev.crossnet.probe.ProbeCostBenchmark [N [SECONDS]]
 * </pre>
 */
public final class ProbeCostBenchmark {
    private static final Subnet NETWORK = Subnet.parse("127.76.0.0/14");
    private static final int PORT = 18475;
    private static final long CLOCK_TICKS_PER_SECOND = 100; // USER_HZ

    private ProbeCostBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        System.out.printf(Locale.ROOT, "overlay probe, %d peers, %d echoes a second at most, rounds of %d ms; load %s%n", n,
                OverlayProbe.ECHOES_PER_SECOND, OverlayProbe.roundLength(n).toMillis(), Files.readString(Path.of("/proc/loadavg")).strip());
        for (boolean answering : new boolean[] {false, true}) {
            once(n, seconds, answering);
        }
    }

    private static void once(int n, int seconds, boolean answering) throws Exception {
        InetAddress me = InetAddress.getByName("127.77.0.1");
        List<ProbeTarget> peers = new ArrayList<>();
        for (int k = 1; k <= n; k++) {
            peers.add(new ProbeTarget("10.1." + (k / 256) + "." + (k % 256), "127.78." + (k / 256) + "." + (k % 256) + "/32",
                    InetAddress.getByName("127.78." + (k / 256) + "." + (k % 256))));
        }
        try (Peers p = new Peers(peers, me, answering ? OverlayProbe.roundLength(n).toNanos() : 0);
             OverlayProbe probe = new OverlayProbe(() -> new ProbeTarget("10.0.0.1", "127.77.0.1/32", me), () -> peers, NETWORK,
                     PORT, Clock.systemUTC(), System::nanoTime)) {
            probe.start();
            p.start();
            Thread.sleep(OverlayProbe.roundLength(n).toMillis() + 2000); // one round first: every peer known
            long t0 = ticks("overlay-probe");
            Thread.sleep(seconds * 1000L);
            long t1 = ticks("overlay-probe");
            long reachable = probe.results().stream().filter(PeerProbes.Reach::reachable).count();
            System.out.printf(Locale.ROOT, "  peers %s: probe thread %.2f %% of a CPU over %d s; %d of %d reachable; peers' thread"
                            + " answered %d, sent %d echoes%n", answering ? "answering" : "silent",
                    (t1 - t0) / (double) CLOCK_TICKS_PER_SECOND / seconds * 100, seconds, reachable, n, p.answered, p.echoed);
        }
    }

    /** utime + stime of this process's threads named {@code name}. */
    private static long ticks(String name) throws IOException {
        long sum = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path t : tasks) {
                String stat = Files.readString(t.resolve("stat"));
                if (stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).equals(name)) {
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    sum += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                }
            }
        }
        return sum;
    }

    /** The peers: one socket each, one thread; with a round length, they answer and echo as real peers would. */
    private static final class Peers extends Thread implements AutoCloseable {
        private final Selector selector = Selector.open();
        private final List<DatagramChannel> channels = new ArrayList<>();
        private final InetSocketAddress probe;
        private final long roundNanos;
        private volatile boolean closed;
        volatile long answered;
        volatile long echoed;

        Peers(List<ProbeTarget> peers, InetAddress probe, long roundNanos) throws IOException {
            super("peers");
            setDaemon(true);
            this.probe = new InetSocketAddress(probe, PORT);
            this.roundNanos = roundNanos;
            for (ProbeTarget t : peers) {
                DatagramChannel ch = DatagramChannel.open();
                ch.bind(new InetSocketAddress(t.address(), PORT));
                ch.configureBlocking(false);
                ch.register(selector, SelectionKey.OP_READ);
                channels.add(ch);
            }
        }

        @Override
        public void run() {
            ByteBuffer in = ByteBuffer.allocate(64);
            ByteBuffer out = ByteBuffer.allocate(ProbePacket.LENGTH);
            long start = System.nanoTime();
            long sent = 0;
            long seq = 0;
            try {
                while (!closed) {
                    selector.select(10);
                    for (SelectionKey k : selector.selectedKeys()) {
                        DatagramChannel ch = (DatagramChannel) k.channel();
                        for (SocketAddress from = ch.receive(in.clear()); from != null; from = ch.receive(in.clear())) {
                            ProbePacket p = ProbePacket.decode(in.array(), in.position());
                            if (roundNanos > 0 && p != null && p.kind() == ProbePacket.Kind.ECHO) {
                                out.clear();
                                p.answer().encodeTo(out);
                                ch.send(out.flip(), from);
                                answered++;
                            }
                        }
                    }
                    selector.selectedKeys().clear();
                    if (roundNanos > 0) { // each peer one echo per round, spread as the peers' rounds would be
                        long due = (System.nanoTime() - start) * channels.size() / roundNanos;
                        for (; sent < due; sent++) {
                            out.clear();
                            new ProbePacket(ProbePacket.Kind.ECHO, seq++, System.nanoTime()).encodeTo(out);
                            channels.get((int) (sent % channels.size())).send(out.flip(), probe);
                            echoed++;
                        }
                    }
                }
            } catch (IOException e) {
                if (!closed) {
                    throw new IllegalStateException(e);
                }
            }
        }

        @Override
        public void close() throws IOException {
            closed = true;
            selector.wakeup();
            try {
                join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            for (DatagramChannel ch : channels) {
                ch.close();
            }
            selector.close();
        }
    }
}

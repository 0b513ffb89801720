package dev.crossnet.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crossnet.docker.engine.EngineClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.URLDecoder;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link EngineWakeups} against a dockerd stand-in on a Unix socket that streams events. No root. */
class EngineWakeupsTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    /** Accepts /events connections one at a time; the test hands each one its event lines. */
    static final class EventsServer implements AutoCloseable {
        final ServerSocketChannel server;
        final List<String> requests = new CopyOnWriteArrayList<>();
        final BlockingQueue<OutputStream> streams = new LinkedBlockingQueue<>();
        final Thread acceptor;

        EventsServer(Path socket) throws IOException {
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            acceptor = new Thread(this::accept, "fake-dockerd");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private void accept() {
            try {
                while (true) {
                    SocketChannel ch = server.accept();
                    BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
                    requests.add(URLDecoder.decode(in.readLine(), StandardCharsets.UTF_8));
                    for (String l = in.readLine(); l != null && !l.isEmpty(); l = in.readLine()) {
                        // skip the request headers
                    }
                    OutputStream out = Channels.newOutputStream(ch);
                    out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    streams.add(out);
                }
            } catch (IOException e) {
                // closed
            }
        }

        OutputStream nextStream() throws InterruptedException {
            OutputStream s = streams.poll(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            assertThat(s).as("the follower connected").isNotNull();
            return s;
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    private static void send(OutputStream out, String action) throws IOException {
        out.write(("{\"Type\":\"network\",\"Action\":\"" + action + "\",\"Actor\":{\"ID\":\"n1\",\"Attributes\":{}}}\n")
                .getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Test
    void networkEvents_wakeTheSync_onceWhenTheStreamOpensAndOncePerEvent() throws Exception {
        Path socket = tmp.resolve("docker.sock");
        AtomicInteger wakes = new AtomicInteger();
        try (EventsServer dockerd = new EventsServer(socket);
             EngineWakeups w = EngineWakeups.start(new EngineClient(socket), wakes::incrementAndGet)) {
            OutputStream stream = dockerd.nextStream();
            await().atMost(PATIENCE).until(() -> wakes.get() == 1);
            assertThat(dockerd.requests.get(0)).startsWith("GET /events?filters=")
                    .contains("\"network\"").contains("\"create\"").contains("\"destroy\"").contains("\"connect\"");
            send(stream, "create");
            send(stream, "connect");
            await().atMost(PATIENCE).until(() -> wakes.get() == 3);
        }
    }

    @Test
    void streamEnds_reconnects_andWakesTheSyncForWhatItMayHaveMissed() throws Exception {
        Path socket = tmp.resolve("docker.sock");
        AtomicInteger wakes = new AtomicInteger();
        try (EventsServer dockerd = new EventsServer(socket);
             EngineWakeups w = EngineWakeups.start(new EngineClient(socket), wakes::incrementAndGet)) {
            OutputStream first = dockerd.nextStream();
            await().atMost(PATIENCE).until(() -> wakes.get() == 1);
            first.close(); // dockerd restarts
            OutputStream second = dockerd.nextStream();
            await().atMost(PATIENCE).until(() -> wakes.get() == 2);
            send(second, "destroy");
            await().atMost(PATIENCE).until(() -> wakes.get() == 3);
        }
    }

    @Test
    void noDockerd_keepsRetrying_withoutWaking() throws Exception {
        Path socket = tmp.resolve("absent.sock");
        AtomicInteger wakes = new AtomicInteger();
        try (EngineWakeups w = EngineWakeups.start(new EngineClient(socket), wakes::incrementAndGet)) {
            // dockerd starts late: the follower connects on a later try and wakes the sync then.
            try (EventsServer dockerd = new EventsServer(socket)) {
                dockerd.nextStream();
                await().atMost(PATIENCE).until(() -> wakes.get() == 1);
            }
        }
    }
}

package dev.crossnet.docker.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link EngineClient} against a dockerd stand-in served by Jetty on a unix socket. No root. */
class EngineClientTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @TempDir
    Path tmp;
    private Server dockerd;
    private Path socket;
    private final BlockingQueue<String> seen = new LinkedBlockingQueue<>();
    /** Lines the /events handler writes, one chunk each; "EOF" ends the stream. */
    private final BlockingQueue<String> eventLines = new LinkedBlockingQueue<>();

    @BeforeEach
    void startDockerd() throws Exception {
        socket = tmp.resolve("docker.sock");
        dockerd = new Server();
        UnixDomainServerConnector c = new UnixDomainServerConnector(dockerd);
        c.setUnixDomainPath(socket);
        dockerd.addConnector(c);
        dockerd.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request req, Response res, Callback cb) throws Exception {
                String path = req.getHttpURI().getPathQuery();
                String body;
                try (InputStream in = Content.Source.asInputStream(req)) {
                    body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
                seen.add(req.getMethod() + " " + path + " " + req.getHeaders().get(HttpHeader.CONTENT_TYPE) + " " + body);
                res.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                if (path.startsWith("/events")) {
                    res.setStatus(200);
                    res.write(false, null, Callback.NOOP); // commit: the head goes out before any event
                    for (String line = eventLines.take(); !line.equals("EOF"); line = eventLines.take()) {
                        CompletableFuture<Void> written = new CompletableFuture<>();
                        res.write(false, ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8)), Callback.from(() -> written.complete(null), written::completeExceptionally));
                        written.get(60, TimeUnit.SECONDS);
                    }
                    res.write(true, null, cb);
                } else if (path.equals("/networks/missing")) {
                    res.setStatus(404);
                    Content.Sink.write(res, true, "{\"message\":\"network missing not found\"}", cb);
                } else if (path.equals("/broken")) {
                    res.setStatus(500);
                    Content.Sink.write(res, true, "{\"message\":\"daemon on fire\"}", cb);
                } else if (path.equals("/big")) {
                    res.setStatus(200); // past Jetty's default 2 MiB for a buffered answer
                    Content.Sink.write(res, true, "[\"" + "x".repeat(3 * 1024 * 1024) + "\"]", cb);
                } else {
                    res.setStatus(req.getMethod().equals("POST") ? 201 : 200);
                    Content.Sink.write(res, true, "{\"Id\":\"n1\",\"echo\":" + (body.isEmpty() ? "null" : body) + "}", cb);
                }
                return true;
            }
        });
        dockerd.start();
    }

    @AfterEach
    void stopDockerd() throws Exception {
        eventLines.add("EOF");
        dockerd.stop();
    }

    @Test
    void request_postsJsonAndReadsAnswers_404Empty_errorsCarryDockersMessage() throws Exception {
        EngineClient c = EngineClient.of("unix://" + socket);
        EngineClient.Reply r = c.request("POST", "/networks/create", "{\"Name\":\"n\"}");
        assertThat(r.status()).isEqualTo(201);
        assertThat(r.text()).isEqualTo("{\"Id\":\"n1\",\"echo\":{\"Name\":\"n\"}}");
        assertThat(seen.take()).isEqualTo("POST /networks/create application/json {\"Name\":\"n\"}");
        assertThat(c.get("/networks/n1")).hasValueSatisfying(n -> assertThat(n.path("Id").asText()).isEqualTo("n1"));
        assertThat(c.get("/networks/missing")).isEmpty();
        assertThatThrownBy(() -> c.get("/broken")).isInstanceOf(IOException.class).hasMessageContaining("500 daemon on fire");
        assertThat(c.get("/big").orElseThrow().path(0).asText()).hasSize(3 * 1024 * 1024);
    }

    @Test
    void request_noDaemon_ioExceptionNamingTheSocket() {
        EngineClient c = new EngineClient(tmp.resolve("nobody.sock"));
        assertThatThrownBy(() -> c.request("GET", "/networks", null)).isInstanceOf(IOException.class)
                .hasMessageContaining("nobody.sock");
    }

    @Test
    void events_linesArriveAsTheyAreSent_closeEndsABlockedNext() throws Exception {
        EngineClient c = new EngineClient(socket);
        try (EngineClient.Events ev = c.events(Map.of("type", List.of("network")))) {
            assertThat(seen.take()).startsWith("GET /events?filters=%7B%22type%22%3A%5B%22network%22%5D%7D");
            eventLines.add("{\"Type\":\"network\",\"Action\":\"connect\",\"Actor\":{\"ID\":\"n1\",\"Attributes\":{\"container\":\"c1\"}}}");
            EngineEvent e = ev.next();
            assertThat(e.action()).isEqualTo("connect");
            assertThat(e.attribute("container")).isEqualTo("c1");
            CompletableFuture<Object> blocked = CompletableFuture.supplyAsync(() -> {
                try {
                    return ev.next();
                } catch (IOException x) {
                    return x;
                }
            });
            ev.close();
            await().atMost(PATIENCE).until(blocked::isDone);
            assertThat(blocked.get()).isInstanceOf(IOException.class);
        }
    }

    @Test
    void events_daemonEndsStream_nextReturnsNull() throws Exception {
        try (EngineClient.Events ev = new EngineClient(socket).events(Map.of())) {
            eventLines.add("");
            eventLines.add("EOF");
            assertThat(ev.next()).isNull();
        }
    }
}

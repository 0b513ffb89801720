package dev.crossnet.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crossnet.CrossnetException;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link DashboardServer} on loopback with an ephemeral port and a settable document. No root. */
class DashboardServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration PATIENCE = Duration.ofSeconds(20);
    private final HttpClient http = HttpClient.newHttpClient();
    private final AtomicReference<JsonNode> doc = new AtomicReference<>(doc(true));
    private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
    private final DashboardServer server = new DashboardServer(new InetSocketAddress("127.0.0.1", 0), () -> {
        if (failure.get() != null) {
            throw failure.get();
        }
        return doc.get();
    }, Duration.ofMillis(50), Duration.ofMillis(200));

    @AfterEach
    void close() {
        server.close();
    }

    private static JsonNode doc(boolean h2Ready) {
        var d = JSON.createObjectNode().put("takenAt", java.time.Instant.now().toString()).put("from", "h1");
        var hosts = d.putArray("hosts");
        hosts.addObject().put("name", "h1").putObject("agent").put("ready", true);
        hosts.addObject().put("name", "h2").putObject("agent").put("ready", h2Ready);
        d.putArray("networks");
        return d;
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private HttpResponse<String> send(String method, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void page_scriptAndStyle_servedFromTheJar() throws Exception {
        HttpResponse<String> page = send("GET", "/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(v -> assertThat(v).contains("default-src 'self'"));
        assertThat(page.body()).contains("<svg id=\"graph\"", "dashboard.js", "dashboard.css").doesNotContain("http://", "https://");
        HttpResponse<String> js = send("GET", "/dashboard.js");
        assertThat(js.statusCode()).isEqualTo(200);
        assertThat(js.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/javascript"));
        assertThat(js.body()).contains("new EventSource('api/events')");
        assertThat(send("GET", "/dashboard.css").body()).contains(".node.down");
    }

    @Test
    void status_theSourcesDocument() throws Exception {
        HttpResponse<String> r = send("GET", "/api/status");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(JSON.readTree(r.body())).isEqualTo(doc.get());
    }

    @Test
    void status_sourceFails_503WithTheMessage() throws Exception {
        failure.set(new CrossnetException("store: connection refused"));
        HttpResponse<String> r = send("GET", "/api/status");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(JSON.readTree(r.body()).get("error").asText()).isEqualTo("store: connection refused");
    }

    @Test
    void unknownPathsAndMethods_404And405() throws Exception {
        assertThat(send("GET", "/nothing").statusCode()).isEqualTo(404);
        assertThat(send("GET", "/../pom.xml").statusCode()).isIn(400, 404);
        assertThat(send("GET", "/dev/crossnet/dashboard/index.html").statusCode()).isEqualTo(404);
        HttpResponse<String> post = send("POST", "/api/status");
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
        assertThat(send("HEAD", "/").statusCode()).isEqualTo(200);
    }

    @Test
    void events_documentAtConnect_thenOnChange_framedAsSse() throws Exception {
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(uri("/api/events")).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
        BlockingQueue<List<String>> events = readEvents(r.body());
        assertThat(events.poll(PATIENCE.toSeconds(), TimeUnit.SECONDS)).containsExactly("retry: 1000");
        List<String> first = events.poll(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        assertThat(first).hasSize(1);
        assertThat(first.get(0)).startsWith("data: ");
        assertThat(JSON.readTree(first.get(0).substring(6)).at("/hosts/1/agent/ready").asBoolean()).isTrue();
        doc.set(doc(false));
        await().atMost(PATIENCE).until(() -> {
            List<String> e = events.poll(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            return e != null && e.size() == 1 && e.get(0).startsWith("data: ")
                    && !JSON.readTree(e.get(0).substring(6)).at("/hosts/1/agent/ready").asBoolean(true);
        });
        r.body().close();
    }

    @Test
    void events_clientGoesAway_streamForgotten() throws Exception {
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(uri("/api/events")).build(), HttpResponse.BodyHandlers.ofInputStream());
        await().atMost(PATIENCE).until(() -> server.streams() == 1);
        r.body().close();
        // The heartbeat (200 ms here) finds the closed connection.
        await().atMost(PATIENCE).until(() -> server.streams() == 0);
    }

    @Test
    void loopbackServer_foreignHostName_403_loopbackNames_served() throws Exception {
        String rebound = rawGet("evil.example:" + server.port());
        assertThat(rebound).startsWith("HTTP/1.1 403 ").doesNotContain("\"h1\"");
        for (String host : new String[] {"localhost", "127.0.0.1", "[::1]", "LOCALHOST", "127.1.2.3"}) {
            assertThat(rawGet(host + ":" + server.port())).as(host).startsWith("HTTP/1.1 200 ").contains("\"h1\"");
        }
    }

    /** GET /api/status with the given Host header (the JDK's client will not set one), the whole answer. */
    private String rawGet(String host) throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.port())) {
            s.getOutputStream().write(("GET /api/status HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void listen_busyAddress_errorNamesTheFlag() {
        assertThatThrownBy(() -> new DashboardServer(new InetSocketAddress("127.0.0.1", server.port()), doc::get))
                .isInstanceOf(CrossnetException.class)
                .hasMessageStartingWith("--dashboard-listen: cannot listen on 127.0.0.1:" + server.port());
    }

    @Test
    void listen_boundToTheAskedAddressOnly() {
        assertThatThrownBy(() -> http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.2:" + server.port() + "/")).build(),
                HttpResponse.BodyHandlers.ofString())).isInstanceOf(java.net.ConnectException.class);
    }

    /** Reads SSE events (the lines between blank lines, comments left out) on a daemon thread. */
    private static BlockingQueue<List<String>> readEvents(InputStream in) {
        BlockingQueue<List<String>> out = new LinkedBlockingQueue<>();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                List<String> lines = new java.util.ArrayList<>();
                for (String l; (l = r.readLine()) != null; ) {
                    if (l.isEmpty()) {
                        if (!lines.isEmpty()) {
                            out.add(lines);
                        }
                        lines = new java.util.ArrayList<>();
                    } else if (!l.startsWith(":")) {
                        lines.add(l);
                    }
                }
            } catch (java.io.IOException e) {
                // closed by the test
            }
        }, "sse-reader");
        t.setDaemon(true);
        t.start();
        return out;
    }
}

package dev.crossnet.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crossnet.CrossnetException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The dashboard on one TCP address ({@code --dashboard-listen}, 127.0.0.1:{@value
 * DashboardListen#DEFAULT_PORT} unless asked), on Jetty like the health server:
 * <ul>
 *   <li>{@code GET /}: the page; {@code /dashboard.js}, {@code /dashboard.css}: its script and style,
 *       all from the jar;</li>
 *   <li>{@code GET /api/status}: the status document (503 with {@code {"error": ...}} if it cannot be built);</li>
 *   <li>{@code GET /api/events}: server-sent events, the document at connect and on every change.</li>
 * </ul>
 * Only GET (and HEAD); other methods get 405. Streams hold no thread while idle. {@link #close} is
 * idempotent.
 */
public final class DashboardServer implements AutoCloseable {
    private static final int MAX_THREADS = 8; // 1 acceptor + 1 selector + handlers: a few people watching
    /** At most two events a second, as the status contract says. */
    static final Duration INTERVAL = Duration.ofMillis(500);
    /** Below the connector's idle timeout, so an idle stream stays open. */
    static final Duration HEARTBEAT = Duration.ofSeconds(15);
    private static final long IDLE_TIMEOUT_MS = 60_000;
    private static final String RESOURCES = "/dev/crossnet/dashboard/";
    /** The static files, by path: a fixed list, so no request path ever reaches the class path. */
    private static final Map<String, Asset> ASSETS = Map.of(
            "/", new Asset("index.html", "text/html; charset=utf-8"),
            "/index.html", new Asset("index.html", "text/html; charset=utf-8"),
            "/dashboard.js", new Asset("dashboard.js", "text/javascript; charset=utf-8"),
            "/dashboard.css", new Asset("dashboard.css", "text/css; charset=utf-8"),
            "/favicon.svg", new Asset("favicon.svg", "image/svg+xml"));

    private final Server server;
    private final ServerConnector connector;
    private final StatusEvents feed;

    /** Serves {@code source} on {@code address} with the feed's usual pace. */
    public DashboardServer(InetSocketAddress address, StatusSource source) {
        this(address, source, INTERVAL, HEARTBEAT);
    }

    /**
     * @throws CrossnetException naming {@value DashboardListen#FLAG} if the address cannot be bound
     */
    DashboardServer(InetSocketAddress address, StatusSource source, Duration interval, Duration heartbeat) {
        ObjectMapper json = new ObjectMapper();
        feed = new StatusEvents(source, json, interval, heartbeat);
        QueuedThreadPool threads = new QueuedThreadPool(MAX_THREADS, 2);
        threads.setName("dashboard");
        threads.setDaemon(true);
        server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(address.getAddress().getHostAddress());
        connector.setPort(address.getPort());
        connector.setIdleTimeout(IDLE_TIMEOUT_MS);
        server.addConnector(connector);
        server.setHandler(new Routes(source, feed, json, address.getAddress().isLoopbackAddress()));
        try {
            server.start();
        } catch (Exception e) {
            close();
            throw new CrossnetException(DashboardListen.FLAG + ": cannot listen on " + DashboardListen.text(address) + ": "
                    + StatusEvents.message(e));
        }
    }

    /** The bound port (the one asked for, or the one chosen for port 0). */
    public int port() {
        return connector.getLocalPort();
    }

    /** The open event streams. */
    int streams() {
        return feed.subscribers();
    }

    @Override
    public void close() {
        feed.close();
        try {
            server.stop();
        } catch (Exception e) {
            throw new CrossnetException("cannot stop the dashboard: " + e.getMessage(), e);
        }
    }

    private record Asset(String file, String type) {
        byte[] bytes() {
            try (InputStream in = DashboardServer.class.getResourceAsStream(RESOURCES + file)) {
                if (in == null) {
                    throw new IllegalStateException("the jar has no " + RESOURCES + file);
                }
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static final class Routes extends Handler.Abstract {
        private final StatusSource source;
        private final StatusEvents feed;
        private final ObjectMapper json;

        private final boolean loopback;

        /** @param loopback the server listens on loopback only: then it answers only to loopback names */
        Routes(StatusSource source, StatusEvents feed, ObjectMapper json, boolean loopback) {
            this.source = source;
            this.feed = feed;
            this.json = json;
            this.loopback = loopback;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            String path = Request.getPathInContext(request);
            Asset asset = ASSETS.get(path);
            if (asset == null && !path.equals("/api/status") && !path.equals("/api/events")) {
                return false; // Jetty's 404
            }
            if (loopback && !loopbackName(request.getHttpURI().getHost())) {
                // DNS rebinding: a web page elsewhere must not read the cluster's layout through a name of its own.
                reply(response, callback, 403, "text/plain; charset=utf-8", bytes("open the dashboard as localhost or 127.0.0.1\n"), false);
                return true;
            }
            boolean head = HttpMethod.HEAD.is(request.getMethod());
            if (!head && !HttpMethod.GET.is(request.getMethod())) {
                response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
                reply(response, callback, 405, "text/plain; charset=utf-8", bytes("only GET\n"), false);
                return true;
            }
            // The page loads nothing from elsewhere; say so to the browser as well.
            response.getHeaders().put("Content-Security-Policy", "default-src 'self'; img-src 'self' data:");
            response.getHeaders().put("X-Content-Type-Options", "nosniff");
            if (asset != null) {
                response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
                reply(response, callback, 200, asset.type(), asset.bytes(), head);
            } else if (path.equals("/api/status")) {
                status(response, callback, head);
            } else if (head) {
                reply(response, callback, 200, "text/event-stream", new byte[0], true);
            } else {
                events(request, response, callback);
            }
            return true;
        }

        private void status(Response response, Callback callback, boolean head) throws IOException {
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
            String type = "application/json";
            try {
                reply(response, callback, 200, type, json.writeValueAsBytes(source.current()), head);
            } catch (RuntimeException e) {
                byte[] body = json.writeValueAsBytes(json.createObjectNode().put("error", StatusEvents.message(e)));
                reply(response, callback, 503, type, body, head);
            }
        }

        private void events(Request request, Response response, Callback callback) {
            response.setStatus(200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
            SseStream stream = new SseStream(response, callback);
            request.addFailureListener(stream::fail);
            feed.subscribe(stream);
        }

        private static void reply(Response response, Callback callback, int status, String type, byte[] body, boolean head) {
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
            response.write(true, head ? ByteBuffer.allocate(0) : ByteBuffer.wrap(body), callback);
        }

        /** Whether {@code host} (from the request's Host) names this machine's loopback: localhost or a loopback literal. */
        static boolean loopbackName(String host) {
            if (host == null || host.isEmpty()) {
                return false;
            }
            String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
            if (h.equalsIgnoreCase("localhost")) {
                return true;
            }
            inet.ipaddr.IPAddress ip = new inet.ipaddr.IPAddressString(h).getAddress();
            return ip != null && !ip.isPrefixed() && ip.isLoopback();
        }

        private static byte[] bytes(String s) {
            return s.getBytes(StandardCharsets.UTF_8);
        }
    }
}

package dev.crossnet.docker.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.InterruptedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Transport;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;

/**
 * The Docker Engine API over the daemon's unix socket ({@code unix:///var/run/docker.sock}),
 * through Jetty's {@link HttpClient}: one client per process, shared by every {@code EngineClient}
 * (connections are pooled per socket and kept alive), on a few daemon threads. Only what crossnet
 * needs: a request with a JSON body, GET a JSON document, and follow {@code /events}.
 *
 * <p>Thread-safe. Every call blocks; an unreachable daemon or a malformed answer is an
 * {@link IOException} naming the socket.
 */
public final class EngineClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A whole answer is held in memory; Docker's largest (a network with many containers) is far below. */
    static final int MAX_BODY_BYTES = 64 * 1024 * 1024;
    /** A plain request's limit; generous, as dockerd calls back into our plugin while it creates a network. */
    private static final long REQUEST_TIMEOUT_S = 120;
    private static final HttpClient HTTP = startClient();

    private final Path socket;
    private final Transport transport;

    public EngineClient(Path socket) {
        this.socket = socket;
        this.transport = new Transport.TCPUnix(socket);
    }

    /** Accepts {@code unix:///path} (Docker's {@code -H} form) or a bare path. */
    public static EngineClient of(String host) {
        String path = host.startsWith("unix://") ? host.substring("unix://".length()) : host;
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("--docker-host: only unix sockets are supported, not " + host);
        }
        return new EngineClient(Path.of(path));
    }

    private static HttpClient startClient() {
        QueuedThreadPool threads = new QueuedThreadPool(8, 1);
        threads.setName("docker-client");
        threads.setDaemon(true);
        HttpClient client = new HttpClient();
        client.setExecutor(threads);
        client.setScheduler(new ScheduledExecutorScheduler("docker-client-scheduler", true));
        client.setUserAgentField(new HttpField(HttpHeader.USER_AGENT, "crossnet"));
        client.setFollowRedirects(false);
        client.setConnectTimeout(10_000);
        try {
            client.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the Docker API client: " + e.getMessage(), e);
        }
        return client;
    }

    public Path socket() {
        return socket;
    }

    /** A status code and the raw body of one answer. */
    public record Reply(int status, byte[] body) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** Docker's {@code message} from an error body, or the body as it is. */
        public String message() {
            return EngineClient.message(body);
        }
    }

    /**
     * One request with an optional JSON body; the answer whatever its status. Blocking.
     *
     * @param path the path with its query, already encoded
     * @throws IOException on a transport failure or an answer that is not HTTP
     */
    public Reply request(String method, String path, String jsonBody) throws IOException {
        Request req = newRequest(path).method(method).timeout(REQUEST_TIMEOUT_S, TimeUnit.SECONDS);
        if (jsonBody != null) {
            req.body(new StringRequestContent("application/json", jsonBody, StandardCharsets.UTF_8));
        }
        try {
            ContentResponse r = new CompletableResponseListener(req, MAX_BODY_BYTES).send().get();
            return new Reply(r.getStatus(), r.getContent());
        } catch (ExecutionException e) {
            throw failure(method + " " + path, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            req.abort(e);
            throw new InterruptedIOException("docker " + socket + ": " + method + " " + path + " interrupted");
        }
    }

    /**
     * {@code GET path}; the parsed body on 200, empty on 404.
     *
     * @throws IOException on any other status (with Docker's {@code message}) or transport failure
     */
    public Optional<JsonNode> get(String path) throws IOException {
        Reply r = request("GET", path, null);
        if (r.status() == 404) {
            return Optional.empty();
        }
        if (r.status() != 200) {
            throw new IOException("docker " + socket + ": GET " + path + " -> " + r.status() + " " + r.message());
        }
        return Optional.of(JSON.readTree(r.body()));
    }

    /**
     * Opens {@code GET /events} with {@code filters} (e.g. {@code type=[network, container]}); events
     * are read with {@link Events#next}. Returns once the daemon answered 200.
     */
    public Events events(Map<String, List<String>> filters) throws IOException {
        String query = filters.isEmpty() ? "" : "?filters=" + URLEncoder.encode(JSON.writeValueAsString(filters), StandardCharsets.UTF_8);
        // No idle timeout: a quiet daemon sends nothing for hours, and that is no failure.
        Request req = newRequest("/events" + query).idleTimeout(0, TimeUnit.MILLISECONDS);
        InputStreamResponseListener listener = new InputStreamResponseListener();
        req.send(listener);
        try {
            Response head = listener.get(REQUEST_TIMEOUT_S, TimeUnit.SECONDS);
            InputStream body = listener.getInputStream();
            if (head.getStatus() != 200) {
                try (body) {
                    throw new IOException("docker " + socket + ": GET /events -> " + head.getStatus() + " "
                            + message(body.readNBytes(64 * 1024)));
                }
            }
            return new Events(req, new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8)));
        } catch (ExecutionException e) {
            throw failure("GET /events", e.getCause());
        } catch (TimeoutException e) {
            req.abort(e);
            throw new IOException("docker " + socket + ": GET /events: no answer within " + REQUEST_TIMEOUT_S + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            req.abort(e);
            throw new InterruptedIOException("docker " + socket + ": GET /events interrupted");
        } catch (IOException | RuntimeException e) {
            req.abort(e);
            throw e;
        }
    }

    /** A followed event stream. {@link #close} from any thread ends a blocked {@link #next}. */
    public static final class Events implements Closeable {
        private final Request request;
        private final BufferedReader reader;

        private Events(Request request, BufferedReader reader) {
            this.request = request;
            this.reader = reader;
        }

        /**
         * Blocks for the next event.
         *
         * @return null when the daemon ends the stream
         * @throws IOException on a transport error, on close, or on a malformed event
         */
        public EngineEvent next() throws IOException {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (!line.isBlank()) {
                    return EngineEvent.parse(line);
                }
            }
            return null;
        }

        @Override
        public void close() throws IOException {
            request.abort(new IOException("event stream closed"));
            reader.close();
        }
    }

    private Request newRequest(String pathAndQuery) {
        // The host names nothing on a unix socket; dockerd wants one all the same, as HTTP/1.1 does.
        return HTTP.newRequest("http://docker" + pathAndQuery).transport(transport);
    }

    private IOException failure(String what, Throwable cause) {
        String detail = cause == null ? "unknown failure" : cause.getMessage() != null ? cause.getMessage() : cause.toString();
        if (detail.length() > 160) { // Jetty's messages may carry a dump of the connection's state
            detail = cause.getClass().getSimpleName() + ": " + detail.substring(0, 160) + "...";
        }
        if (cause instanceof java.net.ConnectException || cause instanceof java.nio.file.NoSuchFileException
                || cause instanceof java.net.SocketException) {
            return new IOException("cannot connect to docker at " + socket + ": " + detail, cause);
        }
        return new IOException("docker " + socket + ": " + what + ": " + detail, cause);
    }

    static String message(byte[] body) {
        try {
            return JSON.readTree(body).path("message").asText(new String(body, StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            return new String(body, StandardCharsets.UTF_8).strip();
        }
    }
}

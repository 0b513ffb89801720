package dev.crossnet.docker.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URLEncoder;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Docker Engine API over the daemon's unix socket ({@code unix:///var/run/docker.sock}): plain
 * HTTP/1.1, one connection per request ({@code Connection: close}), which on a unix socket costs
 * microseconds. Only what crossnet needs: a request with a JSON body, GET a JSON document, and
 * follow {@code /events}.
 *
 * <p>Thread-safe (no shared connection). Every call blocks; an unreachable daemon or a malformed
 * answer is an {@link IOException} naming the socket.
 */
public final class EngineClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path socket;

    public EngineClient(Path socket) {
        this.socket = socket;
    }

    /** Accepts {@code unix:///path} (Docker's {@code -H} form) or a bare path. */
    public static EngineClient of(String host) {
        String path = host.startsWith("unix://") ? host.substring("unix://".length()) : host;
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("--docker-host: only unix sockets are supported, not " + host);
        }
        return new EngineClient(Path.of(path));
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
     * One request with an optional JSON body; the answer whatever its status (a chunked body is
     * decoded). Blocking.
     *
     * @throws IOException on a transport failure or an answer that is not HTTP
     */
    public Reply request(String method, String path, String jsonBody) throws IOException {
        try (SocketChannel ch = connect()) {
            InputStream in = new BufferedInputStream(Channels.newInputStream(ch));
            send(ch, method, path, jsonBody);
            HttpResponse head = HttpResponse.readHead(in);
            return new Reply(head.status(), head.readBody(in));
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
        SocketChannel ch = connect();
        try {
            InputStream in = new BufferedInputStream(Channels.newInputStream(ch));
            send(ch, "GET", "/events" + query, null);
            HttpResponse head = HttpResponse.readHead(in);
            if (head.status() != 200) {
                throw new IOException("docker " + socket + ": GET /events -> " + head.status() + " " + message(head.readBody(in)));
            }
            InputStream body = head.chunked() ? new ChunkedInputStream(in) : in;
            return new Events(ch, new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8)));
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** A followed event stream. {@link #close} from any thread ends a blocked {@link #next}. */
    public static final class Events implements Closeable {
        private final SocketChannel channel;
        private final BufferedReader reader;

        private Events(SocketChannel channel, BufferedReader reader) {
            this.channel = channel;
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
            channel.close();
        }
    }

    private SocketChannel connect() throws IOException {
        try {
            return SocketChannel.open(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            throw new IOException("cannot connect to docker at " + socket + ": " + e.getMessage(), e);
        }
    }

    private static void send(SocketChannel ch, String method, String path, String jsonBody) throws IOException {
        byte[] body = jsonBody == null ? new byte[0] : jsonBody.getBytes(StandardCharsets.UTF_8);
        OutputStream out = Channels.newOutputStream(ch);
        out.write((method + " " + path + " HTTP/1.1\r\nHost: docker\r\nUser-Agent: crossnet\r\nConnection: close\r\n"
                + (jsonBody == null ? "" : "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n")
                + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
    }

    private static String message(byte[] body) {
        try {
            return JSON.readTree(body).path("message").asText(new String(body, StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            return new String(body, StandardCharsets.UTF_8).strip();
        }
    }
}

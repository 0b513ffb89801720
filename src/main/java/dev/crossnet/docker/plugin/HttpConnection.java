package dev.crossnet.docker.plugin;

import dev.crossnet.docker.api.PluginApi;
import dev.crossnet.docker.api.PluginDispatcher;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/1.1 connection from Docker: requests are read one after another (keep-alive) until the
 * peer closes or asks to. Bodies come with {@code Content-Length} or chunked; {@code Expect:
 * 100-continue} is honoured. Anything malformed gets a 400 with {@code {"Err":...}} and the
 * connection is closed, since its framing can no longer be trusted. Not thread-safe: one thread
 * per connection.
 */
final class HttpConnection {
    private static final Logger log = LoggerFactory.getLogger(HttpConnection.class);
    static final int MAX_HEADER_BYTES = 16 * 1024;
    /**
     * dockerd base64-encodes both the request and the response body, up to 1 MiB each
     * ({@code pkg/authorization} maxBodySize), into one AuthZ call: about 2.7 MiB of JSON at most.
     */
    static final int MAX_BODY_BYTES = 4 * 1024 * 1024;

    /** The request could not be framed; answered with 400 and the connection closed. */
    private static final class BadRequest extends Exception {
        BadRequest(String message) {
            super(message);
        }
    }

    private final InputStream in;
    private final OutputStream out;
    private final PluginDispatcher dispatcher;

    HttpConnection(SocketChannel channel, PluginDispatcher dispatcher) {
        this.in = new BufferedInputStream(Channels.newInputStream(channel));
        this.out = Channels.newOutputStream(channel);
        this.dispatcher = dispatcher;
    }

    void serve() {
        try {
            while (true) {
                try {
                    String requestLine;
                    try {
                        requestLine = readLine(true);
                    } catch (EOFException e) {
                        return; // peer closed between requests
                    }
                    if (requestLine.isEmpty()) {
                        continue; // a stray CRLF between requests is tolerated (RFC 9112 section 2.2)
                    }
                    if (!handle(requestLine)) {
                        return;
                    }
                } catch (BadRequest e) {
                    respond(400, errorBody(e.getMessage()), false);
                    return;
                }
            }
        } catch (IOException e) {
            log.debug("plugin connection ended: {}", e.getMessage());
        }
    }

    /** @return whether to keep the connection open */
    private boolean handle(String requestLine) throws IOException, BadRequest {
        String[] parts = requestLine.split(" ");
        if (parts.length != 3 || !parts[2].startsWith("HTTP/1.")) {
            throw new BadRequest("malformed HTTP request line: " + abbreviate(requestLine));
        }
        Map<String, String> headers = readHeaders();
        boolean http10 = parts[2].equals("HTTP/1.0");
        String connection = headers.getOrDefault("connection", "").toLowerCase(Locale.ROOT);
        boolean keepAlive = http10 ? connection.contains("keep-alive") : !connection.contains("close");
        if ("100-continue".equalsIgnoreCase(headers.get("expect"))) {
            out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
        byte[] body = readBody(headers);
        String path = parts[1];
        int query = path.indexOf('?');
        if (query >= 0) {
            path = path.substring(0, query);
        }
        if (!parts[0].equals("POST")) {
            respond(405, errorBody("method " + parts[0] + " not allowed: Docker plugin calls are POST"), keepAlive);
            return keepAlive;
        }
        PluginDispatcher.Reply reply = dispatcher.dispatch(path, body);
        respond(reply.status(), reply.body(), keepAlive);
        return keepAlive;
    }

    private Map<String, String> readHeaders() throws IOException, BadRequest {
        Map<String, String> headers = new HashMap<>();
        int total = 0;
        while (true) {
            String line = readLine(false);
            if (line.isEmpty()) {
                return headers;
            }
            total += line.length() + 2;
            if (total > MAX_HEADER_BYTES) {
                throw new BadRequest("request headers exceed " + MAX_HEADER_BYTES + " bytes");
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new BadRequest("malformed header line: " + abbreviate(line));
            }
            headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
    }

    private byte[] readBody(Map<String, String> headers) throws IOException, BadRequest {
        String te = headers.get("transfer-encoding");
        if (te != null) {
            if (!te.equalsIgnoreCase("chunked")) {
                throw new BadRequest("unsupported Transfer-Encoding: " + abbreviate(te));
            }
            return readChunked();
        }
        String cl = headers.get("content-length");
        if (cl == null) {
            return new byte[0];
        }
        long length;
        try {
            length = Long.parseLong(cl);
        } catch (NumberFormatException e) {
            throw new BadRequest("malformed Content-Length: " + abbreviate(cl));
        }
        if (length < 0 || length > MAX_BODY_BYTES) {
            throw new BadRequest("Content-Length " + length + " is outside 0.." + MAX_BODY_BYTES);
        }
        byte[] body = in.readNBytes((int) length);
        if (body.length != length) {
            throw new EOFException("connection closed inside a request body");
        }
        return body;
    }

    private byte[] readChunked() throws IOException, BadRequest {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = readLine(false);
            int semi = sizeLine.indexOf(';');
            String hex = (semi >= 0 ? sizeLine.substring(0, semi) : sizeLine).trim();
            int size;
            try {
                size = Integer.parseInt(hex, 16);
            } catch (NumberFormatException e) {
                throw new BadRequest("malformed chunk size: " + abbreviate(sizeLine));
            }
            if (size < 0 || body.size() + (long) size > MAX_BODY_BYTES) {
                throw new BadRequest("chunked body exceeds " + MAX_BODY_BYTES + " bytes");
            }
            if (size == 0) {
                while (!readLine(false).isEmpty()) {
                    // trailers: ignored
                }
                return body.toByteArray();
            }
            byte[] chunk = in.readNBytes(size);
            if (chunk.length != size) {
                throw new EOFException("connection closed inside a chunk");
            }
            body.write(chunk);
            if (!readLine(false).isEmpty()) {
                throw new BadRequest("chunk of " + size + " bytes not followed by CRLF");
            }
        }
    }

    /** Reads up to LF, dropping a CR before it. EOF before any byte throws {@link EOFException}. */
    private String readLine(boolean atRequestStart) throws IOException, BadRequest {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException(atRequestStart && line.size() == 0 ? "closed" : "connection closed inside a request");
            }
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
            }
            if (line.size() >= MAX_HEADER_BYTES) {
                throw new BadRequest("request line or header longer than " + MAX_HEADER_BYTES + " bytes");
            }
            line.write(b);
        }
    }

    private void respond(int status, byte[] body, boolean keepAlive) throws IOException {
        String head = "HTTP/1.1 " + status + " " + reason(status) + "\r\n"
                + "Content-Type: " + PluginApi.CONTENT_TYPE + "\r\n"
                + "Content-Length: " + body.length + "\r\n"
                + (keepAlive ? "" : "Connection: close\r\n")
                + "\r\n";
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
    }

    private static String reason(int status) {
        switch (status) {
            case 200: return "OK";
            case 400: return "Bad Request";
            case 404: return "Not Found";
            case 405: return "Method Not Allowed";
            default: return "Internal Server Error";
        }
    }

    private static byte[] errorBody(String message) {
        String escaped = message.replace("\\", "\\\\").replace("\"", "\\\"").replaceAll("[\\x00-\\x1f]", "?");
        return ("{\"Err\":\"" + escaped + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}

package dev.crossnet.docker.engine;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The head of an HTTP/1.1 response read from a stream, and a body reader that honours
 * {@code Content-Length}, {@code chunked} or read-until-close. Pure stream parsing: unit-tested on
 * byte arrays. Not thread-safe.
 *
 * @param status  the status code
 * @param headers header names lower-cased; a repeated header keeps its last value
 */
public record HttpResponse(int status, Map<String, String> headers) {
    static final int MAX_HEAD_BYTES = 16 * 1024;
    static final int MAX_BODY_BYTES = 64 * 1024 * 1024;

    /** Reads the status line and headers, leaving {@code in} at the first body byte. */
    public static HttpResponse readHead(InputStream in) throws IOException {
        int[] budget = {MAX_HEAD_BYTES};
        String status = readLine(in, budget);
        String[] parts = status.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("malformed HTTP status line: " + status);
        }
        int code;
        try {
            code = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IOException("malformed HTTP status code: " + status);
        }
        Map<String, String> headers = new TreeMap<>();
        for (String line = readLine(in, budget); !line.isEmpty(); line = readLine(in, budget)) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("malformed HTTP header: " + line);
            }
            headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        return new HttpResponse(code, headers);
    }

    public boolean chunked() {
        return headers.getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT).contains("chunked");
    }

    /** Reads the whole body that follows this head. Blocks until it is complete. */
    public byte[] readBody(InputStream in) throws IOException {
        if (status == 204 || status == 304) {
            return new byte[0];
        }
        if (chunked()) {
            return new ChunkedInputStream(in).readNBytesBounded(MAX_BODY_BYTES);
        }
        String length = headers.get("content-length");
        if (length != null) {
            long n;
            try {
                n = Long.parseLong(length);
            } catch (NumberFormatException e) {
                throw new IOException("malformed Content-Length: " + length);
            }
            if (n < 0 || n > MAX_BODY_BYTES) {
                throw new IOException("Content-Length " + n + " out of range");
            }
            byte[] body = in.readNBytes((int) n);
            if (body.length != n) {
                throw new EOFException("connection closed inside the body");
            }
            return body;
        }
        return in.readNBytes(MAX_BODY_BYTES); // no framing: the body ends when the peer closes
    }

    /** One CRLF- (or LF-) terminated line in ISO-8859-1, without its terminator. */
    static String readLine(InputStream in, int[] budget) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed inside the HTTP head");
            }
            if (--budget[0] < 0) {
                throw new IOException("HTTP line or head longer than " + MAX_HEAD_BYTES + " bytes");
            }
            if (b == '\n') {
                String s = line.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            line.write(b);
        }
    }
}

package dev.crossnet.docker.engine;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Decodes an HTTP/1.1 {@code chunked} body as it arrives, so a stream that never ends (Docker's
 * {@code /events}) can be read as it comes. Returns -1 after the last (zero-size) chunk and its
 * trailers. Not thread-safe.
 */
final class ChunkedInputStream extends InputStream {
    private static final int MAX_LINE = 4096;
    private final InputStream in;
    private long remaining; // bytes left in the current chunk
    private boolean done;

    ChunkedInputStream(InputStream in) {
        this.in = in;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (done || (remaining == 0 && !nextChunk())) {
            return -1;
        }
        int n = in.read(b, off, (int) Math.min(len, remaining));
        if (n < 0) {
            throw new EOFException("connection closed inside a chunk");
        }
        remaining -= n;
        if (remaining == 0) {
            expectCrlf();
        }
        return n;
    }

    /** Reads the whole body, failing past {@code max} bytes. */
    byte[] readNBytesBounded(int max) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        for (int n = read(buf, 0, buf.length); n >= 0; n = read(buf, 0, buf.length)) {
            if (out.size() + n > max) {
                throw new IOException("chunked body exceeds " + max + " bytes");
            }
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    /** @return false at the last chunk (trailers consumed) */
    private boolean nextChunk() throws IOException {
        int[] budget = {MAX_LINE};
        String line = HttpResponse.readLine(in, budget);
        int semi = line.indexOf(';'); // chunk extensions are ignored (RFC 9112 section 7.1.1)
        String hex = (semi >= 0 ? line.substring(0, semi) : line).trim();
        try {
            remaining = Long.parseLong(hex, 16);
        } catch (NumberFormatException e) {
            throw new IOException("malformed chunk size: " + line);
        }
        if (remaining < 0) {
            throw new IOException("malformed chunk size: " + line);
        }
        if (remaining == 0) {
            for (int[] trailerBudget = {MAX_LINE * 4}; !HttpResponse.readLine(in, trailerBudget).isEmpty(); ) {
                // trailers are ignored
            }
            done = true;
            return false;
        }
        return true;
    }

    private void expectCrlf() throws IOException {
        int[] budget = {2};
        if (!HttpResponse.readLine(in, budget).isEmpty()) {
            throw new IOException("chunk not followed by CRLF");
        }
    }
}

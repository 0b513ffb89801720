package dev.crossnet.docker.plugin;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Speaks raw HTTP/1.1 to a plugin socket, the way Docker's Go client does, or deliberately not:
 * tests use it to send malformed framing too. One connection; requests go one after another.
 */
public final class RawPluginClient implements AutoCloseable {
    /** A parsed answer: status code and body text. */
    public record Response(int status, String body) {
    }

    private final SocketChannel channel;
    private final InputStream in;

    public RawPluginClient(Path socket) throws IOException {
        channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        in = Channels.newInputStream(channel);
    }

    /** POSTs {@code body} with a Content-Length, as Docker does, and reads the answer. */
    public Response post(String path, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        send("POST " + path + " HTTP/1.1\r\nHost: plugin\r\nAccept: application/vnd.docker.plugins.v1.2+json\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + b.length + "\r\n\r\n" + body);
        return read();
    }

    /** Writes raw bytes as they are. */
    public void send(String raw) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(raw.getBytes(StandardCharsets.UTF_8));
        while (buf.hasRemaining()) {
            channel.write(buf);
        }
    }

    /** Reads one response (Content-Length framed, as the server always sends). */
    public Response read() throws IOException {
        String statusLine = line();
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        int length = 0;
        for (String h = line(); !h.isEmpty(); h = line()) {
            if (h.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(h.substring(15).trim());
            }
        }
        return new Response(status, new String(in.readNBytes(length), StandardCharsets.UTF_8));
    }

    /** Whether the server has closed the connection (reads EOF). */
    public boolean closedByPeer() throws IOException {
        return in.read() < 0;
    }

    private String line() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException("connection closed");
            }
            if (c != '\r') {
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}

package dev.crossnet.cluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.function.BiFunction;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The join endpoint's TLS listener (TCP 2377 by default, as Swarm's): presents this host's
 * certificate and the CA (so the joiner can check the CA against its token), reads one request
 * line, answers one response line. One thread accepts; each connection gets its own thread and a
 * read timeout. {@link #close()} stops accepting.
 */
public final class JoinServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JoinServer.class);
    public static final int DEFAULT_PORT = 2377;
    private static final int READ_TIMEOUT_MS = 30_000;

    private final SSLServerSocket socket;
    private final BiFunction<JoinMessages.Request, InetAddress, JoinMessages.Response> handler;
    private final Thread acceptor;

    /**
     * Binds {@code listen} at once.
     *
     * @throws IOException if the address cannot be bound
     */
    public JoinServer(InetSocketAddress listen, PrivateKey key, X509Certificate cert, X509Certificate ca,
                      BiFunction<JoinMessages.Request, InetAddress, JoinMessages.Response> handler) throws IOException {
        this.handler = handler;
        SSLContext ctx = serverContext(key, cert, ca);
        SSLServerSocket s = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket();
        s.setReuseAddress(true);
        s.setEnabledProtocols(new String[] {"TLSv1.3"});
        s.bind(listen, 16);
        this.socket = s;
        this.acceptor = new Thread(this::acceptLoop, "join-endpoint");
        acceptor.setDaemon(true);
    }

    public void start() {
        acceptor.start();
    }

    public int port() {
        return socket.getLocalPort();
    }

    private void acceptLoop() {
        while (!socket.isClosed()) {
            try {
                Socket c = socket.accept();
                Thread t = new Thread(() -> serve(c), "join-" + c.getInetAddress().getHostAddress());
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (!socket.isClosed()) {
                    LOG.warn("join endpoint: accept failed: {}", e.getMessage());
                }
            }
        }
    }

    private void serve(Socket c) {
        try (c) {
            c.setSoTimeout(READ_TIMEOUT_MS);
            BufferedReader in = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8));
            String line = readLine(in);
            JoinMessages.Response r;
            if (line == null) {
                r = JoinMessages.Response.failure("request too long or empty");
            } else {
                JoinMessages.Request req;
                try {
                    req = JoinMessages.JSON.readValue(line, JoinMessages.Request.class);
                } catch (IOException e) {
                    req = null;
                }
                r = req == null ? JoinMessages.Response.failure("not a join request") : handler.apply(req, c.getInetAddress());
            }
            OutputStream out = c.getOutputStream();
            out.write((JoinMessages.write(r) + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            LOG.debug("join endpoint: connection from {} failed: {}", c.getInetAddress().getHostAddress(), e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("join endpoint: request from {} failed", c.getInetAddress().getHostAddress(), e);
        }
    }

    private static String readLine(BufferedReader in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int ch = in.read(); ch != -1 && ch != '\n'; ch = in.read()) {
            if (b.length() >= JoinMessages.MAX_LINE) {
                return null;
            }
            b.append((char) ch);
        }
        return b.length() == 0 ? null : b.toString();
    }

    static SSLContext serverContext(PrivateKey key, X509Certificate cert, X509Certificate ca) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            char[] pw = new char[0];
            ks.setKeyEntry("host", key, pw, new Certificate[] {cert, ca});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pw);
            SSLContext ctx = SSLContext.getInstance("TLSv1.3");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException("cannot set up the join endpoint's TLS: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}

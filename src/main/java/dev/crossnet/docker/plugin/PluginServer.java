package dev.crossnet.docker.plugin;

import dev.crossnet.CrossnetException;
import dev.crossnet.docker.api.PluginDispatcher;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Docker plugin endpoint: HTTP/1.1 on a unix socket, served by Jetty ({@link PluginHandler}) on a
 * small pool of daemon threads, at most {@value #MAX_CONNECTIONS} connections at a time (Docker
 * keeps a few alive).
 *
 * <p>The socket file is created with mode 0600 (root-only, as the server runs as root) with no
 * window in which it is wider: Jetty binds it inside a fresh 0700 directory next to its final path,
 * where it is narrowed, then renamed into place. A stale socket left by a dead server is replaced;
 * one that a live server answers on is not.
 *
 * <p>Thread-safe. {@link #close} is idempotent, stops accepting, closes open connections and
 * removes the socket file if it is still the one this server created.
 */
public final class PluginServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PluginServer.class);
    static final int MAX_CONNECTIONS = 64;
    private static final int MAX_THREADS = 16; // 1 acceptor + 1 selector + calls in flight; dockerd makes few at once
    private static final long IDLE_TIMEOUT_MS = 10 * 60 * 1000;
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;
    private static final int MAX_SOCKET_PATH = 107; // sun_path is 108 bytes, NUL-terminated

    /** Where Docker looks for plugin sockets. */
    public static final Path DEFAULT_SOCKET = Path.of("/run/docker/plugins/crossnet.sock");

    private final Path socket;
    private final Server server;
    private final Object fileKey;
    private volatile boolean closed;

    private PluginServer(Path socket, Server server, Object fileKey) {
        this.socket = socket;
        this.server = server;
        this.fileKey = fileKey;
    }

    /**
     * Binds {@code socket} (creating its directory) and starts serving. Returns once Docker can connect.
     *
     * @throws CrossnetException if the path is too long, is not a socket, or a live server owns it
     */
    public static PluginServer start(Path socket, PluginDispatcher dispatcher) {
        Path path = socket.toAbsolutePath();
        if (path.toString().getBytes().length > MAX_SOCKET_PATH) {
            throw new CrossnetException("--socket: " + path + " is longer than the " + MAX_SOCKET_PATH + " bytes a unix socket path may have");
        }
        Path tmpDir = null;
        Server server = null;
        try {
            Files.createDirectories(path.getParent());
            removeStale(path);
            tmpDir = Files.createTempDirectory(path.getParent(), ".crossnet-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path tmp = tmpDir.resolve("s");
            server = jetty(tmp, dispatcher);
            server.start();
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE);
            Object key = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
            log.info("plugin socket {} ready", path);
            return new PluginServer(path, server, key);
        } catch (Exception e) {
            stopQuietly(server);
            if (e instanceof CrossnetException c) {
                throw c;
            }
            throw new CrossnetException("--socket: cannot listen on " + path + ": " + e.getMessage(), e);
        } finally {
            if (tmpDir != null) {
                try {
                    Files.deleteIfExists(tmpDir.resolve("s"));
                    Files.deleteIfExists(tmpDir);
                } catch (IOException e) {
                    log.warn("cannot remove {}: {}", tmpDir, e.getMessage());
                }
            }
        }
    }

    private static Server jetty(Path bindAt, PluginDispatcher dispatcher) {
        QueuedThreadPool threads = new QueuedThreadPool(MAX_THREADS, 2);
        threads.setName("plugin");
        threads.setDaemon(true);
        Server server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendDateHeader(false);
        UnixDomainServerConnector connector = new UnixDomainServerConnector(server, 1, 1, new BlankHostConnectionFactory(http));
        connector.setUnixDomainPath(bindAt);
        connector.setAcceptQueueSize(64);
        // dockerd keeps plugin connections open without a limit of its own; a server-side close can
        // race a POST it is sending (retried, but logged), so idle connections are kept long.
        connector.setIdleTimeout(IDLE_TIMEOUT_MS);
        server.addConnector(connector);
        server.addBean(new NetworkConnectionLimit(MAX_CONNECTIONS, connector));
        server.setErrorHandler(new PluginHandler.ErrBodies());
        server.setHandler(new PluginHandler(dispatcher));
        server.setStopTimeout(5_000);
        return server;
    }

    public Path socket() {
        return socket;
    }

    private static void removeStale(Path path) throws IOException {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        int mode = (Integer) Files.getAttribute(path, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS);
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new CrossnetException("--socket: " + path + " exists and is not a socket; remove it or choose another path");
        }
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            throw new CrossnetException("--socket: " + path + " is in use by another running plugin server");
        } catch (IOException refused) {
            Files.deleteIfExists(path); // nobody listens: left by a server that died
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopQuietly(server);
        try {
            if (Files.exists(socket) && fileKey != null
                    && fileKey.equals(Files.readAttributes(socket, BasicFileAttributes.class).fileKey())) {
                Files.delete(socket);
            }
        } catch (IOException e) {
            log.warn("cannot remove {}: {}", socket, e.getMessage());
        }
    }

    private static void stopQuietly(Server server) {
        if (server == null) {
            return;
        }
        try {
            server.stop();
        } catch (Exception e) {
            log.warn("stopping the plugin server: {}", e.getMessage());
        }
    }
}

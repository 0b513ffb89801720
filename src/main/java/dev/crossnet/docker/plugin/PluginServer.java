package dev.crossnet.docker.plugin;

import dev.crossnet.CrossnetException;
import dev.crossnet.docker.api.PluginDispatcher;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Docker plugin endpoint: HTTP/1.1 on a unix socket, one thread per connection (Docker keeps a
 * few alive), at most {@value #MAX_CONNECTIONS} at a time.
 *
 * <p>The socket file is created with mode 0600 (root-only, as the server runs as root) with no
 * window in which it is wider: it is bound inside a fresh 0700 directory next to its final path,
 * narrowed, then renamed into place. A stale socket left by a dead server is replaced; one that a
 * live server answers on is not.
 *
 * <p>Thread-safe. {@link #close} is idempotent, stops accepting, closes open connections and
 * removes the socket file if it is still the one this server created.
 */
public final class PluginServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PluginServer.class);
    static final int MAX_CONNECTIONS = 64;
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;
    private static final int MAX_SOCKET_PATH = 107; // sun_path is 108 bytes, NUL-terminated

    /** Where Docker looks for plugin sockets. */
    public static final Path DEFAULT_SOCKET = Path.of("/run/docker/plugins/crossnet.sock");

    private final Path socket;
    private final ServerSocketChannel server;
    private final Object fileKey;
    private final PluginDispatcher dispatcher;
    private final ExecutorService workers;
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean closed;

    private PluginServer(Path socket, ServerSocketChannel server, Object fileKey, PluginDispatcher dispatcher) {
        this.socket = socket;
        this.server = server;
        this.fileKey = fileKey;
        this.dispatcher = dispatcher;
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "plugin-conn-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.acceptor = new Thread(this::acceptLoop, "plugin-accept " + socket.getFileName());
        this.acceptor.setDaemon(true);
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
        try {
            Files.createDirectories(path.getParent());
            removeStale(path);
            tmpDir = Files.createTempDirectory(path.getParent(), ".crossnet-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path tmp = tmpDir.resolve("s");
            ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.bind(UnixDomainSocketAddress.of(tmp), 64);
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
                Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE);
                Object key = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
                PluginServer s = new PluginServer(path, ch, key, dispatcher);
                s.acceptor.start();
                log.info("plugin socket {} ready", path);
                return s;
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
        } catch (IOException e) {
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

    private void acceptLoop() {
        while (!closed) {
            SocketChannel conn;
            try {
                conn = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    log.warn("accept on {} failed: {}", socket, e.getMessage());
                }
                continue;
            }
            if (open.size() >= MAX_CONNECTIONS) {
                log.warn("refusing a connection on {}: {} already open", socket, MAX_CONNECTIONS);
                closeQuietly(conn);
                continue;
            }
            open.add(conn);
            workers.execute(() -> {
                try {
                    new HttpConnection(conn, dispatcher).serve();
                } finally {
                    open.remove(conn);
                    closeQuietly(conn);
                }
            });
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeQuietly(server);
        open.forEach(PluginServer::closeQuietly);
        workers.shutdownNow();
        try {
            acceptor.join(TimeUnit.SECONDS.toMillis(5));
            workers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            if (Files.exists(socket) && fileKey != null
                    && fileKey.equals(Files.readAttributes(socket, BasicFileAttributes.class).fileKey())) {
                Files.delete(socket);
            }
        } catch (IOException e) {
            log.warn("cannot remove {}: {}", socket, e.getMessage());
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}

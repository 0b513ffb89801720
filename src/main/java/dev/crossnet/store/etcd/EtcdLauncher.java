package dev.crossnet.store.etcd;

import dev.crossnet.store.StoreException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs one real single-member {@code etcd} process: for {@code crossnet lab --store etcd} and for
 * integration tests. {@link #start()} blocks until etcd answers a health check (through
 * {@code etcdctl}, run with the same command prefix so that it works inside a namespace);
 * {@link #close()} stops it (SIGTERM, then SIGKILL) and deletes its data directory. Its log goes to
 * {@code <data dir>.log} beside the data directory. Not thread-safe: one owner starts and stops it.
 *
 * <pre>{@code
 * try (EtcdLauncher etcd = EtcdLauncher.builder(dir, URI.create("http://127.0.0.1:" + p1), URI.create("http://127.0.0.1:" + p2)).build()) {
 *     etcd.start();
 *     ...
 * }
 * }</pre>
 */
public final class EtcdLauncher implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final int STOP_GRACE_SECONDS = 5;
    private final Builder b;
    private final Path log;
    private Process process;

    private EtcdLauncher(Builder b) {
        this.b = b;
        Path abs = b.dataDir.toAbsolutePath();
        this.log = abs.resolveSibling(abs.getFileName() + ".log");
    }

    /**
     * @param dataDir   etcd's data directory; created, and deleted again by {@link #close()}
     * @param clientUrl where clients connect, {@code http://127.0.0.1:PORT} or {@code https://…}
     * @param peerUrl   the peer URL of this single member, {@code http://127.0.0.1:PORT}
     */
    public static Builder builder(Path dataDir, URI clientUrl, URI peerUrl) {
        return new Builder(dataDir, clientUrl, peerUrl);
    }

    /** Options for one etcd process. */
    public static final class Builder {
        private final Path dataDir;
        private final URI clientUrl;
        private final URI peerUrl;
        private final List<String> commandPrefix = new ArrayList<>();
        private final List<String> extraArgs = new ArrayList<>();
        private String etcd = "/usr/bin/etcd";
        private String etcdctl = "/usr/bin/etcdctl";
        private Path caFile;
        private Path certFile;
        private Path keyFile;
        private Path healthCert;
        private Path healthKey;

        private Builder(Path dataDir, URI clientUrl, URI peerUrl) {
            this.dataDir = dataDir;
            this.clientUrl = clientUrl;
            this.peerUrl = peerUrl;
        }

        /** Runs etcd (and the health check) under this, e.g. {@code nsenter --net=/var/run/netns/h1}. */
        public Builder commandPrefix(List<String> prefix) {
            commandPrefix.addAll(prefix);
            return this;
        }

        /** More etcd flags, e.g. {@code --auto-compaction-retention=1}. */
        public Builder extraArgs(List<String> args) {
            extraArgs.addAll(args);
            return this;
        }

        /** Serves clients over TLS with {@code cert}/{@code key}, and requires client certificates signed by {@code ca}. */
        public Builder tls(Path ca, Path cert, Path key) {
            this.caFile = ca;
            this.certFile = cert;
            this.keyFile = key;
            return this;
        }

        /** The certificate and key the health check presents when client certificates are required. */
        public Builder healthCheckClientCert(Path cert, Path key) {
            this.healthCert = cert;
            this.healthKey = key;
            return this;
        }

        public Builder binaries(String etcdPath, String etcdctlPath) {
            this.etcd = etcdPath;
            this.etcdctl = etcdctlPath;
            return this;
        }

        public EtcdLauncher build() {
            return new EtcdLauncher(this);
        }
    }

    /** The client URL, for {@code etcd://} specs and messages. */
    public URI clientUrl() {
        return b.clientUrl;
    }

    /** The pid of the running etcd (of the first command of the prefix, which should exec it). @throws IllegalStateException if not started */
    public long pid() {
        if (process == null) {
            throw new IllegalStateException("etcd not started");
        }
        return process.pid();
    }

    public Path logFile() {
        return log;
    }

    /** Starts etcd and blocks until it is healthy. @throws StoreException if it exits or stays unhealthy, with its log's tail */
    public void start() {
        if (process != null) {
            throw new IllegalStateException("etcd already started");
        }
        try {
            Files.createDirectories(b.dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create etcd data dir " + b.dataDir, e);
        }
        String name = "crossnet-" + b.clientUrl.getPort();
        List<String> cmd = new ArrayList<>(b.commandPrefix);
        cmd.addAll(List.of(b.etcd,
                "--name", name,
                "--data-dir", b.dataDir.toAbsolutePath().toString(),
                "--listen-client-urls", b.clientUrl.toString(),
                "--advertise-client-urls", b.clientUrl.toString(),
                "--listen-peer-urls", b.peerUrl.toString(),
                "--initial-advertise-peer-urls", b.peerUrl.toString(),
                "--initial-cluster", name + "=" + b.peerUrl,
                "--initial-cluster-state", "new",
                "--initial-cluster-token", name,
                "--logger", "zap",
                "--log-outputs", "stderr"));
        if (b.certFile != null) {
            cmd.addAll(List.of("--cert-file", b.certFile.toString(), "--key-file", b.keyFile.toString()));
            if (b.caFile != null) {
                cmd.addAll(List.of("--client-cert-auth", "--trusted-ca-file", b.caFile.toString()));
            }
        }
        cmd.addAll(b.extraArgs);
        try {
            process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new StoreException("cannot start etcd (" + b.etcd + "): " + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!healthy()) {
            if (!process.isAlive()) {
                int code = process.exitValue();
                process = null;
                throw new StoreException("etcd at " + b.clientUrl + " exited with code " + code + " while starting; log "
                        + log + ":\n" + tail());
            }
            if (System.nanoTime() > deadline) {
                close();
                throw new StoreException("etcd at " + b.clientUrl + " not healthy within " + START_TIMEOUT.toSeconds()
                        + " s; log " + log + ":\n" + tail());
            }
            pause();
        }
    }

    /** One {@code etcdctl endpoint health} with a short timeout. */
    private boolean healthy() {
        List<String> cmd = new ArrayList<>(b.commandPrefix);
        cmd.addAll(List.of(b.etcdctl, "--endpoints", b.clientUrl.toString(),
                "--dial-timeout", "1s", "--command-timeout", "2s"));
        if (b.caFile != null) {
            cmd.addAll(List.of("--cacert", b.caFile.toString()));
        }
        if (b.healthCert != null) {
            cmd.addAll(List.of("--cert", b.healthCert.toString(), "--key", b.healthKey.toString()));
        }
        cmd.addAll(List.of("endpoint", "health"));
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.environment().put("ETCDCTL_API", "3");
            Process p = pb.start();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            throw new StoreException("cannot run " + b.etcdctl + " for etcd's health check: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while waiting for etcd at " + b.clientUrl, e);
        }
    }

    private static void pause() {
        try {
            Thread.sleep(100); // polling an external process's readiness: there is nothing to wait on
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while waiting for etcd", e);
        }
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Stops etcd: SIGTERM, then SIGKILL after {@value #STOP_GRACE_SECONDS} s. Leaves the data dir. Idempotent. */
    public void stop() {
        Process p = process;
        process = null;
        if (p == null || !p.isAlive()) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(STOP_GRACE_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(STOP_GRACE_SECONDS, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Stops etcd and deletes its data directory (the log stays, for post-mortems). Idempotent. */
    @Override
    public void close() {
        stop();
        deleteTree(b.dataDir);
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }

    /**
     * Picks {@code n} distinct loopback ports that were free a moment ago, for tests and the lab.
     * Another process may take one before it is used; callers that start servers on them should
     * expect a rare bind failure.
     */
    public static int[] freeLoopbackPorts(int n) {
        List<ServerSocket> held = new ArrayList<>();
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                // Holding all sockets until every port is chosen keeps the n ports distinct.
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                held.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free loopback port", e);
        } finally {
            for (ServerSocket s : held) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // the port is released either way
                }
            }
        }
    }
}

package dev.crossnet.store.etcd;

import dev.crossnet.store.StoreSpec;
import io.etcd.jetcd.Client;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real single-member etcd on free loopback ports, in a temp dir, for one test class. Closing it
 * stops etcd and removes the temp dir (log included).
 */
public final class EtcdTestCluster implements AutoCloseable {
    final Path tmp;
    final EtcdLauncher launcher;
    final int clientPort;

    private EtcdTestCluster(Path tmp, EtcdLauncher launcher, int clientPort) {
        this.tmp = tmp;
        this.launcher = launcher;
        this.clientPort = clientPort;
    }

    public static EtcdTestCluster start(String name) {
        return start(name, "http", b -> { });
    }

    /** @param scheme http or https; {@code tweak} adds TLS files and flags */
    static EtcdTestCluster start(String name, String scheme, java.util.function.Consumer<EtcdLauncher.Builder> tweak) {
        Path tmp;
        try {
            tmp = Files.createTempDirectory("crossnet-" + name + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int[] ports = EtcdLauncher.freeLoopbackPorts(2);
        EtcdLauncher.Builder b = EtcdLauncher.builder(tmp.resolve("data"),
                URI.create(scheme + "://127.0.0.1:" + ports[0]), URI.create("http://127.0.0.1:" + ports[1]));
        tweak.accept(b);
        EtcdLauncher l = b.build();
        EtcdTestCluster c = new EtcdTestCluster(tmp, l, ports[0]);
        try {
            l.start();
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /**
     * A spec for this cluster. Its per-attempt timeout is generous (30 s, not the default 5 s): a busy
     * test machine must never turn a slow answer into a failed call.
     */
    public StoreSpec spec() {
        return new StoreSpec(null, List.of(launcher.clientUrl()), null, null, null, null, null, Duration.ofSeconds(30));
    }

    /** A raw jetcd client, for what the Store contract does not offer (compaction, auth setup, lease TTLs). */
    public Client rawClient() {
        return Client.builder().endpoints(launcher.clientUrl()).build();
    }

    @Override
    public void close() {
        try {
            launcher.close();
        } finally {
            EtcdLauncher.deleteTree(tmp);
        }
    }
}

package dev.crossnet.store.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM for {@link JetcdDefaultsTest}: builds a jetcd client the way {@link EtcdConnection}
 * does ({@link JetcdDefaults#apply} first, unless the first argument is {@code bare}) and makes one
 * call, to an endpoint that refuses connections, so that Vert.x, the gRPC channel and a transport
 * with its allocator are all created. The test reads which classes were loaded from the JVM's
 * class-load log.
 */
public final class JetcdClassesProbe {
    private JetcdClassesProbe() {
    }

    public static void main(String[] args) throws Exception {
        if (!args[0].equals("bare")) {
            JetcdDefaults.apply();
        }
        try (Client client = Client.builder().endpoints(args[1]).waitForReady(false).retryMaxAttempts(0).build()) {
            ByteSequence key = ByteSequence.from("/probe", StandardCharsets.UTF_8);
            try {
                client.getKVClient().get(key).get(30, TimeUnit.SECONDS);
                System.out.println("answered");
            } catch (ExecutionException e) {
                System.out.println("refused");
            }
        }
        System.exit(0);
    }
}

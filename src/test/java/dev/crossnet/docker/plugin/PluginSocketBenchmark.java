package dev.crossnet.docker.plugin;

import dev.crossnet.docker.api.IpamApi;
import dev.crossnet.docker.api.PluginDispatcher;
import dev.crossnet.docker.engine.EngineClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Round trips on the plugin socket, the way dockerd makes them: sequential POSTs on one kept-alive
 * connection ({@code /Plugin.Activate}, a few bytes) and one 1.5 MiB AuthZ-sized body; then the same
 * small call through {@link EngineClient} (the Engine API client) against the plugin socket, which
 * answers any POST. No root, a few seconds. Prints figures; asserts nothing.
 *
 * <pre>
 * mvn -q -o test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp target/classes:target/test-classes:$(cat target/cp.txt) dev.crossnet.docker.plugin.PluginSocketBenchmark [ROUNDS]
 * </pre>
 */
public final class PluginSocketBenchmark {
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        PluginDispatcher dispatcher = new PluginDispatcher().implement(IpamApi.IMPLEMENTS)
                .route("/Big.Echo", Object.class, req -> "ok");
        Path dir = Files.createTempDirectory("plugin-bench");
        Path sock = dir.resolve("p.sock");
        String big = "{\"RequestBody\":\"" + "A".repeat(1536 * 1024) + "\"}";
        try (PluginServer s = PluginServer.start(sock, dispatcher); RawPluginClient c = new RawPluginClient(sock)) {
            report("raw client, keep-alive, /Plugin.Activate", rounds, () -> c.post("/Plugin.Activate", "null"));
            report("raw client, keep-alive, 1.5 MiB body", Math.max(1, rounds / 100), () -> c.post("/Big.Echo", big));
            EngineClient engine = new EngineClient(sock);
            report("EngineClient, /Plugin.Activate", rounds, () -> engine.request("POST", "/Plugin.Activate", "null"));
        } finally {
            Files.deleteIfExists(sock);
            Files.deleteIfExists(dir);
        }
    }

    interface Call {
        Object run() throws Exception;
    }

    private static void report(String what, int rounds, Call call) throws Exception {
        for (int i = 0; i < Math.min(rounds, 500); i++) {
            call.run(); // warm-up
        }
        long[] nanos = new long[rounds];
        long start = System.nanoTime();
        for (int i = 0; i < rounds; i++) {
            long t = System.nanoTime();
            call.run();
            nanos[i] = System.nanoTime() - t;
        }
        double total = (System.nanoTime() - start) / 1e9;
        Arrays.sort(nanos);
        System.out.printf("%-45s %6d calls  %8.0f calls/s  p50 %7.1f us  p99 %8.1f us%n", what, rounds, rounds / total,
                nanos[rounds / 2] / 1e3, nanos[(int) (rounds * 0.99)] / 1e3);
    }
}

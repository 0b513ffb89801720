package dev.crossnet.agent;

import com.sun.net.httpserver.HttpServer;
import dev.crossnet.CrossnetException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * {@code /healthz} (the agent's loop is alive), {@code /readyz} (200 while the agent holds a live
 * lease with its rules in, subnet.env written and its datapath running; 503 with the reason
 * otherwise) and {@code /metrics} (Prometheus text) on a local address, 127.0.0.1 unless asked.
 */
public final class HealthServer implements AutoCloseable {
    private final HttpServer server;

    /** @param notReady why the agent is not ready, or null when it is */
    public HealthServer(String ip, int port, BooleanSupplier healthy, Supplier<String> notReady, Supplier<String> metrics) {
        try {
            server = HttpServer.create(new InetSocketAddress(ip, port), 16);
        } catch (IOException e) {
            throw new CrossnetException("--healthz-port: cannot listen on " + ip + ":" + port + ": " + e.getMessage());
        }
        server.createContext("/healthz", ex -> reply(ex, healthy.getAsBoolean() ? 200 : 503, healthy.getAsBoolean() ? "ok\n" : "unhealthy\n"));
        server.createContext("/readyz", ex -> {
            String why = notReady.get();
            reply(ex, why == null ? 200 : 503, why == null ? "ready\n" : "not ready: " + why + "\n");
        });
        server.createContext("/metrics", ex -> reply(ex, 200, metrics.get()));
        server.setExecutor(null);
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void reply(com.sun.net.httpserver.HttpExchange ex, int code, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
        ex.sendResponseHeaders(code, b.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

package dev.crossnet.agent;

import dev.crossnet.CrossnetException;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * {@code /healthz} (the agent's loop is alive), {@code /readyz} (200 while the agent holds a live
 * lease with its rules in, subnet.env written and its datapath running; 503 with the reason
 * otherwise) and {@code /metrics} (Prometheus text 0.0.4: crossnet's families and the JVM's) on
 * one TCP address, 127.0.0.1 unless asked. The JVM's families are registered at the first scrape: they
 * pull in the JDK's management (JMX) classes, ~1 MiB of an agent nobody scrapes. Served by Jetty, the same stack as the plugin socket,
 * on a few daemon threads. {@link #close} is idempotent.
 */
public final class HealthServer implements AutoCloseable {
    private static final int MAX_THREADS = 8; // 1 acceptor + 1 selector + handlers: probes are rare and quick

    private final Server server;
    private final ServerConnector connector;

    /** @param notReady why the agent is not ready, or null when it is */
    public HealthServer(String ip, int port, BooleanSupplier healthy, Supplier<String> notReady, PrometheusRegistry metrics) {
        QueuedThreadPool threads = new QueuedThreadPool(MAX_THREADS, 2);
        threads.setName("healthz");
        threads.setDaemon(true);
        server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(ip);
        connector.setPort(port);
        server.addConnector(connector);
        server.setHandler(new Routes(healthy, notReady, metrics));
        try {
            server.start();
        } catch (Exception e) {
            close();
            throw new CrossnetException("--healthz-port: cannot listen on " + ip + ":" + port + ": " + e.getMessage());
        }
    }

    /** The bound port (the one asked for, or the one chosen for port 0). */
    public int port() {
        return connector.getLocalPort();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new CrossnetException("cannot stop the health server: " + e.getMessage(), e);
        }
    }

    /** The three paths; anything else is Jetty's 404. */
    private static final class Routes extends Handler.Abstract {
        private static final String TEXT = "text/plain; charset=utf-8";
        private final BooleanSupplier healthy;
        private final Supplier<String> notReady;
        private final PrometheusRegistry metrics;
        private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
        private final java.util.concurrent.atomic.AtomicBoolean jvmRegistered = new java.util.concurrent.atomic.AtomicBoolean();

        Routes(BooleanSupplier healthy, Supplier<String> notReady, PrometheusRegistry metrics) {
            this.healthy = healthy;
            this.notReady = notReady;
            this.metrics = metrics;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            switch (Request.getPathInContext(request)) {
                case "/healthz" -> {
                    boolean ok = healthy.getAsBoolean();
                    reply(response, callback, ok ? 200 : 503, TEXT, ok ? "ok\n" : "unhealthy\n");
                }
                case "/readyz" -> {
                    String why = notReady.get();
                    reply(response, callback, why == null ? 200 : 503, TEXT, why == null ? "ready\n" : "not ready: " + why + "\n");
                }
                case "/metrics" -> {
                    if (jvmRegistered.compareAndSet(false, true)) {
                        JvmMetrics.builder().register(metrics);
                    }
                    ByteArrayOutputStream text = new ByteArrayOutputStream();
                    writer.write(text, metrics.scrape());
                    response.setStatus(200);
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, writer.getContentType());
                    response.write(true, ByteBuffer.wrap(text.toByteArray()), callback);
                }
                default -> {
                    return false;
                }
            }
            return true;
        }

        private static void reply(Response response, Callback callback, int status, String type, String body) {
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
            response.write(true, ByteBuffer.wrap(body.getBytes(java.nio.charset.StandardCharsets.UTF_8)), callback);
        }
    }
}

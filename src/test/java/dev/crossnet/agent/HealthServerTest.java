package dev.crossnet.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crossnet.CrossnetException;
import dev.crossnet.metrics.ReconcileErrors;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** {@link HealthServer} on loopback with an ephemeral port. No root. */
class HealthServerTest {
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(HealthServer s, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void paths_answerHealthReadinessAndPrometheusText() throws Exception {
        PrometheusRegistry metrics = new PrometheusRegistry();
        ReconcileErrors.in(metrics).labelValues(ReconcileErrors.LEASE).inc();
        AtomicReference<String> notReady = new AtomicReference<>("no lease yet");
        try (HealthServer s = new HealthServer("127.0.0.1", 0, () -> true, notReady::get, metrics)) {
            assertThat(get(s, "/healthz").statusCode()).isEqualTo(200);
            HttpResponse<String> r = get(s, "/readyz");
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).isEqualTo("not ready: no lease yet\n");
            notReady.set(null);
            assertThat(get(s, "/readyz").statusCode()).isEqualTo(200);
            assertThat(metrics.scrape().stream().map(f -> f.getMetadata().getName())).as("the JVM's families wait for a scrape")
                    .noneMatch(n -> n.startsWith("jvm_"));
            HttpResponse<String> m = get(s, "/metrics");
            assertThat(m.statusCode()).isEqualTo(200);
            assertThat(m.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).contains("version=0.0.4"));
            assertThat(m.body()).contains("# TYPE crossnet_reconcile_errors_total counter",
                    "crossnet_reconcile_errors_total{kind=\"lease\"} 1.0", "jvm_memory_used_bytes");
            assertThat(get(s, "/metrics").body()).as("registered once, still there").contains("jvm_memory_used_bytes");
            assertThat(get(s, "/nothing").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void listen_boundToTheAskedAddressOnly_andBusyPortNamed() throws Exception {
        try (HealthServer s = new HealthServer("127.0.0.1", 0, () -> true, () -> null, new PrometheusRegistry())) {
            assertThatThrownBy(() -> http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.2:" + s.port() + "/healthz")).build(),
                    HttpResponse.BodyHandlers.ofString())).isInstanceOf(java.net.ConnectException.class);
            assertThatThrownBy(() -> new HealthServer("127.0.0.1", s.port(), () -> true, () -> null, new PrometheusRegistry()))
                    .isInstanceOf(CrossnetException.class).hasMessageContaining("--healthz-port: cannot listen on 127.0.0.1:" + s.port());
        }
    }
}

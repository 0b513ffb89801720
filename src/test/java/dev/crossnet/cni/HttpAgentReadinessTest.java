package dev.crossnet.cni;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.agent.HealthServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.ServerSocket;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** {@link HttpAgentReadiness} against the agent's own {@link HealthServer} on loopback. No root. */
class HttpAgentReadinessTest {
    private final HttpAgentReadiness readiness = new HttpAgentReadiness();

    @Test
    void readyAgent_null_notReadyAgent_itsReason() {
        AtomicReference<String> notReady = new AtomicReference<>("lease 10.5.34.0/24 expired at 2026-11-27T20:00:00Z (renewing it failed)");
        try (HealthServer s = new HealthServer("127.0.0.1", 0, () -> true, notReady::get, new PrometheusRegistry())) {
            String at = "127.0.0.1:" + s.port();
            assertThat(readiness.notReady(at)).isEqualTo("the crossnet agent at http://" + at + "/readyz answers 503: not ready: "
                    + "lease 10.5.34.0/24 expired at 2026-11-27T20:00:00Z (renewing it failed)");
            notReady.set(null);
            assertThat(readiness.notReady(at)).isNull();
        }
    }

    @Test
    void nothingListening_saysTheAgentDoesNotAnswer() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        assertThat(readiness.notReady("127.0.0.1:" + port)).startsWith("the crossnet agent does not answer at http://127.0.0.1:" + port
                + "/readyz (").contains("--healthz-port");
    }
}

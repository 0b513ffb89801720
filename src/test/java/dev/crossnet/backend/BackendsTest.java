package dev.crossnet.backend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.kernel.RecordingKernel;
import dev.crossnet.model.BackendConfig;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.Test;

class BackendsTest {

    @Test
    void create_eachType_publishesItsWireType() {
        PrometheusRegistry m = new PrometheusRegistry();
        assertThat(Backends.create(BackendConfig.Type.VXLAN, new RecordingKernel(), m).type()).isEqualTo("vxlan");
        assertThat(Backends.create(BackendConfig.Type.HOST_GW, new RecordingKernel(), m).type()).isEqualTo("host-gw");
        assertThat(Backends.create(BackendConfig.Type.UDP, new RecordingKernel(), m).type()).isEqualTo("udp");
    }
}

package dev.crossnet.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crossnet.CrossnetException;
import dev.crossnet.kernel.RecordingKernel;
import dev.crossnet.model.BackendConfig;
import org.junit.jupiter.api.Test;

class BackendsTest {

    @Test
    void create_vxlanAndHostGw_publishTheirWireType() {
        assertThat(Backends.create(BackendConfig.Type.VXLAN, new RecordingKernel()).type()).isEqualTo("vxlan");
        assertThat(Backends.create(BackendConfig.Type.HOST_GW, new RecordingKernel()).type()).isEqualTo("host-gw");
    }

    @Test
    void create_udp_failsClearly() {
        assertThatThrownBy(() -> Backends.create(BackendConfig.Type.UDP, new RecordingKernel()))
                .isInstanceOf(CrossnetException.class)
                .hasMessage("the udp backend is not available yet");
    }
}

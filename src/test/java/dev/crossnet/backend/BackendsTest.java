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
    void publicIp_malformedOrInetAtonForms_areRejected() {
        for (String bad : new String[] {"172.16.0.256", "10.1", "10.0.0.1/24", "::1", "", "host.example"}) {
            assertThat(Peers.publicIp(TestPeers.hostGwPeer("10.5.2.0/24", bad))).as(bad).isNull();
        }
        assertThat(Peers.publicIp(TestPeers.hostGwPeer("10.5.2.0/24", "192.168.9.3")).toCanonicalString())
                .isEqualTo("192.168.9.3");
    }

    @Test
    void create_udp_failsClearly() {
        assertThatThrownBy(() -> Backends.create(BackendConfig.Type.UDP, new RecordingKernel()))
                .isInstanceOf(CrossnetException.class)
                .hasMessage("the udp backend is not available yet");
    }
}

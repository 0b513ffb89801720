package dev.crossnet.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crossnet.CrossnetException;
import org.junit.jupiter.api.Test;

class SubnetEnvParseTest {

    @Test
    void parse_flannelsFile_givesSubnetGatewayAndMtu() {
        SubnetEnv e = SubnetEnv.parse("FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET=10.5.34.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=false\n", "f");
        assertThat(e.network()).hasToString("10.5.0.0/16");
        assertThat(e.subnet()).hasToString("10.5.34.0/24");
        assertThat(e.gateway().toCanonicalString()).isEqualTo("10.5.34.1");
        assertThat(e.gatewayCidr()).isEqualTo("10.5.34.1/24");
        assertThat(e.mtu()).isEqualTo(1450);
        assertThat(e.ipMasq()).isFalse();
    }

    @Test
    void parse_missingMtu_namesFileAndVariable() {
        assertThatThrownBy(() -> SubnetEnv.parse("FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET=10.5.34.1/24\n", "/x/subnet.env"))
                .isInstanceOf(CrossnetException.class).hasMessage("/x/subnet.env: FLANNEL_MTU is missing");
    }

    @Test
    void parse_subnetWithoutPrefix_isAnError() {
        assertThatThrownBy(() -> SubnetEnv.parse("FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET=10.5.34.1\nFLANNEL_MTU=1450\n", "f"))
                .hasMessageContaining("FLANNEL_SUBNET=10.5.34.1 is not ADDRESS/PREFIX");
    }
}

package dev.crossnet.cni;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crossnet.agent.SubnetEnv;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DelegateConfTest {
    private final ObjectMapper json = new ObjectMapper();
    static final SubnetEnv LEASE = SubnetEnv.parse(
            "FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET=10.5.34.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n", "subnet.env");

    private ObjectNode build(String conf) throws Exception {
        return DelegateConf.build(NetConf.parse(conf.getBytes(StandardCharsets.UTF_8)), LEASE);
    }

    @Test
    void build_default_bridgeWithLeaseMtuAndNetworkRoute() throws Exception {
        ObjectNode d = build("{\"cniVersion\":\"1.0.0\",\"name\":\"crossnet\",\"type\":\"crossnet\"}");
        assertThat(json.readTree(d.toString())).isEqualTo(json.readTree("{\"cniVersion\":\"1.0.0\",\"name\":\"crossnet\","
                + "\"type\":\"bridge\",\"bridge\":\"crossnetbr0\",\"isGateway\":true,\"isDefaultGateway\":true,\"ipMasq\":false,"
                + "\"mtu\":1450,\"ipam\":{\"type\":\"host-local\",\"ranges\":[[{\"subnet\":\"10.5.34.0/24\",\"gateway\":\"10.5.34.1\"}]],"
                + "\"routes\":[{\"dst\":\"10.5.0.0/16\",\"gw\":\"10.5.34.1\"}]}}"));
        assertThat(DelegateConf.subnetOf(d)).isEqualTo("10.5.34.0/24");
    }

    @Test
    void defaultBridge_isNotTheUdpBackendsTunDevice() {
        // Regression: both were crossnet0, so ADD failed on every udp host ("already exists but is not a bridge").
        assertThat(DelegateConf.DEFAULT_BRIDGE).isNotEqualTo(dev.crossnet.backend.udp.UdpBackend.DEVICE);
    }

    @Test
    void build_withOverrides_mergesThemButKeepsLeaseAndMtu() throws Exception {
        ObjectNode d = build("{\"cniVersion\":\"0.4.0\",\"name\":\"n\",\"delegate\":{\"bridge\":\"br7\",\"ipMasq\":true,"
                + "\"isDefaultGateway\":false},\"ipam\":{\"dataDir\":\"/tmp/x\",\"routes\":[{\"dst\":\"192.168.9.0/24\"}]}}");
        assertThat(d.get("cniVersion").asText()).isEqualTo("0.4.0");
        assertThat(d.get("bridge").asText()).isEqualTo("br7");
        assertThat(d.get("ipMasq").asBoolean()).isTrue();
        assertThat(d.get("isDefaultGateway").asBoolean()).isFalse();
        assertThat(d.get("mtu").asInt()).isEqualTo(1450);
        assertThat(d.at("/ipam/dataDir").asText()).isEqualTo("/tmp/x");
        assertThat(d.at("/ipam/routes").toString()).isEqualTo("[{\"dst\":\"192.168.9.0/24\"},{\"dst\":\"10.5.0.0/16\",\"gw\":\"10.5.34.1\"}]");
        assertThat(DelegateConf.subnetOf(d)).isEqualTo("10.5.34.0/24");
    }
}

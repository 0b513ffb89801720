package dev.crossnet.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class LeaseAttrsTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode tree(String json) throws Exception {
        return JSON.readTree(json);
    }

    @Test
    void json_roundTrips_withFlannelsFieldNames() throws Exception {
        String flannel = "{\"PublicIP\":\"192.168.1.2\",\"BackendType\":\"vxlan\",\"BackendData\":{\"VNI\":1,\"VtepMAC\":\"0a:11:22:33:44:55\"}}";
        LeaseAttrs a = JSON.readValue(flannel, LeaseAttrs.class);
        assertThat(a.publicIp()).isEqualTo("192.168.1.2");
        assertThat(a.backendType()).isEqualTo("vxlan");
        assertThat(a.backendData().get("VtepMAC").asText()).isEqualTo("0a:11:22:33:44:55");
        assertThat(tree(JSON.writeValueAsString(a))).isEqualTo(tree(flannel));
    }

    @Test
    void missingFields_areLeftOut_andJsonNullBackendDataReadsBackAsNull() throws Exception {
        LeaseAttrs a = JSON.readValue("{\"PublicIP\":\"10.203.0.1\",\"PublicIPv6\":null}", LeaseAttrs.class);
        assertThat(a.backendData()).isNull();
        assertThat(JSON.writeValueAsString(a)).isEqualTo("{\"PublicIP\":\"10.203.0.1\"}");
        LeaseAttrs explicitNull = JSON.readValue("{\"PublicIP\":\"10.203.0.1\",\"BackendData\":null}", LeaseAttrs.class);
        assertThat(explicitNull.backendData()).isIn(null, NullNode.getInstance());
    }

    @Test
    void equality_takesBackendDataAsATree_whateverTheOrderOfItsMembers() throws Exception {
        LeaseAttrs a = new LeaseAttrs("10.0.0.1", "vxlan", tree("{\"VNI\":1,\"VtepMAC\":\"0a:00:00:00:00:01\"}"));
        LeaseAttrs b = new LeaseAttrs("10.0.0.1", "vxlan", tree("{\"VtepMAC\":\"0a:00:00:00:00:01\",\"VNI\":1}"));
        LeaseAttrs c = new LeaseAttrs("10.0.0.1", "vxlan", tree("{\"VNI\":2,\"VtepMAC\":\"0a:00:00:00:00:01\"}"));
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b).isNotEqualTo(c);
        assertThat(a).isNotEqualTo(new LeaseAttrs("10.0.0.2", "vxlan", a.backendData()));
        assertThat(new LeaseAttrs(null, null, null)).isEqualTo(new LeaseAttrs(null, null, null));
    }

    @Test
    void changingAReturnedTree_changesNeitherTheAttrsNorTheTreeItWasBuiltFrom() throws Exception {
        ObjectNode data = (ObjectNode) tree("{\"VNI\":1}");
        LeaseAttrs a = new LeaseAttrs("10.0.0.1", "vxlan", data);
        data.put("VNI", 2);
        ((ObjectNode) a.backendData()).put("VNI", 3);
        assertThat(a.backendData().get("VNI").asInt()).isEqualTo(1);
    }
}

package dev.crossnet.cni;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class NetConfTest {
    private final ObjectMapper json = new ObjectMapper();

    private NetConf parse(String text) throws CniError {
        return NetConf.parse(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void parse_minimal_takesTheDefaults() throws CniError {
        NetConf c = parse("{\"cniVersion\":\"1.0.0\",\"name\":\"crossnet\",\"type\":\"crossnet\"}");
        assertThat(c.subnetFile()).isEqualTo(Path.of("/run/crossnet/subnet.env"));
        assertThat(c.dataDir()).isEqualTo(Path.of("/var/lib/cni/crossnet"));
        assertThat(c.ipam().isEmpty()).isTrue();
        assertThat(c.delegate().isEmpty()).isTrue();
        assertThat(c.prevResult()).isNull();
        assertThat(c.hasCheck()).isTrue();
    }

    @Test
    void parse_allFields_keepsThem() throws CniError {
        NetConf c = parse("{\"cniVersion\":\"0.4.0\",\"name\":\"n1\",\"type\":\"crossnet\",\"subnetFile\":\"/tmp/s.env\","
                + "\"dataDir\":\"/tmp/d\",\"ipam\":{\"dataDir\":\"/tmp/ipam\"},\"delegate\":{\"bridge\":\"br9\"},"
                + "\"prevResult\":{\"ips\":[]}}");
        assertThat(c.cniVersion()).isEqualTo("0.4.0");
        assertThat(c.subnetFile()).isEqualTo(Path.of("/tmp/s.env"));
        assertThat(c.dataDir()).isEqualTo(Path.of("/tmp/d"));
        assertThat(c.ipam().get("dataDir").asText()).isEqualTo("/tmp/ipam");
        assertThat(c.delegate().get("bridge").asText()).isEqualTo("br9");
        assertThat(c.prevResult().has("ips")).isTrue();
    }

    @Test
    void hasCheck_before040_isFalse() throws CniError {
        assertThat(parse("{\"cniVersion\":\"0.3.1\",\"name\":\"n\"}").hasCheck()).isFalse();
    }

    @Test
    void parse_110_gcAndStatusFields() throws CniError {
        NetConf c = parse("{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"agentHealthz\":\"127.0.0.1:9000\","
                + "\"cni.dev/valid-attachments\":[{\"containerID\":\"a\",\"ifname\":\"eth0\"}]}");
        assertThat(c.hasGcAndStatus()).isTrue();
        assertThat(c.delegateVersion()).isEqualTo("1.0.0");
        assertThat(c.agentHealthz()).isEqualTo("127.0.0.1:9000");
        assertThat(c.validAttachments()).containsExactly(new NetConf.Attachment("a", "eth0"));
        NetConf old = parse("{\"cniVersion\":\"0.4.0\",\"name\":\"n\",\"agentHealthz\":\"\"}");
        assertThat(old.hasGcAndStatus()).isFalse();
        assertThat(old.delegateVersion()).isEqualTo("0.4.0");
        assertThat(old.agentHealthz()).isEmpty();
        assertThat(old.validAttachments()).isNull();
        assertThat(parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\"}").agentHealthz()).isEqualTo("127.0.0.1:8471");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "not json                          | 6 | not JSON",
        "[1,2]                             | 6 | must be a JSON object",
        "{'name':'n'}                      | 7 | cniVersion is missing",
        "{'cniVersion':'2.0.0','name':'n'} | 1 | cniVersion 2.0.0 is not supported",
        "{'cniVersion':1,'name':'n'}       | 7 | cniVersion must be a non-empty string",
        "{'cniVersion':'1.0.0'}            | 7 | name is missing",
        "{'cniVersion':'1.0.0','name':'a/b'} | 7 | name \"a/b\" is not a network name",
        "{'cniVersion':'1.0.0','name':'n','subnetFile':'rel.env'} | 7 | subnetFile \"rel.env\" must be an absolute path",
        "{'cniVersion':'1.0.0','name':'n','dataDir':5}            | 7 | dataDir must be a non-empty string",
        "{'cniVersion':'1.0.0','name':'n','ipam':[]}              | 7 | ipam must be an object",
        "{'cniVersion':'1.0.0','name':'n','ipam':{'ranges':[]}}   | 2 | ipam.ranges is set by crossnet",
        "{'cniVersion':'1.0.0','name':'n','ipam':{'routes':{}}}   | 7 | ipam.routes must be an array",
        "{'cniVersion':'1.0.0','name':'n','delegate':'x'}         | 7 | delegate must be an object",
        "{'cniVersion':'1.0.0','name':'n','delegate':{'ipam':{}}} | 2 | delegate.ipam is set by crossnet; put host-local settings",
        "{'cniVersion':'1.0.0','name':'n','delegate':{'mtu':9000}} | 2 | delegate.mtu is set by crossnet from FLANNEL_MTU",
        "{'cniVersion':'1.0.0','name':'n','delegate':{'bridge':'crossnet0'}} | 7 | delegate.bridge \"crossnet0\" is the name of the udp backend's TUN",
        "{'cniVersion':'1.0.0','name':'n','prevResult':3}          | 7 | prevResult must be an object",
        "{'cniVersion':'1.1.0','name':'n','agentHealthz':'http://x/readyz'} | 7 | agentHealthz \"http://x/readyz\" must be HOST:PORT",
        "{'cniVersion':'1.1.0','name':'n','cni.dev/valid-attachments':{}}   | 7 | cni.dev/valid-attachments must be an array",
        "{'cniVersion':'1.1.0','name':'n','cni.dev/valid-attachments':[3]}  | 7 | cni.dev/valid-attachments[0] must be an object",
    })
    void parse_badConfig_failsNamingTheField(String text, int code, String message) {
        assertThatThrownBy(() -> parse(text.replace('\'', '"')))
                .isInstanceOfSatisfying(CniError.class, e -> {
                    assertThat(e.code()).isEqualTo(code);
                    assertThat(e.getMessage()).contains(message);
                });
    }
}

package dev.crossnet.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NetworkConfigTest {

    @Test
    void parse_seedConfig_defaultsLikeFlannel() {
        NetworkConfig c = NetworkConfig.parse("{\"Network\":\"172.20.0.0/16\"}");
        assertThat(c.network().toString()).isEqualTo("172.20.0.0/16");
        assertThat(c.subnetLen()).isEqualTo(24);
        assertThat(c.subnetMin().toString()).isEqualTo("172.20.1.0");
        assertThat(c.subnetMax().toString()).isEqualTo("172.20.255.0");
        assertThat(c.backend()).isEqualTo(new BackendConfig(BackendConfig.Type.VXLAN, 1, 8472, false, 0));
        assertThat(c.poolSize()).isEqualTo(255);
    }

    @ParameterizedTest
    @CsvSource({"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "240.5.0.0/16", "126.0.0.0/8"})
    void parse_rangesNextToSpecialOnes_accepted(String network) {
        assertThat(NetworkConfig.parse("{\"Network\":\"" + network + "\"}").network().toString()).isEqualTo(network);
    }

    @ParameterizedTest
    @CsvSource({"10.0.0.0/22,24", "10.0.0.0/23,25", "10.0.0.0/26,28", "10.0.0.0/28,30", "10.0.0.0/8,24"})
    void parse_noSubnetLen_defaultsTo24OrPrefixPlus2(String network, int expected) {
        assertThat(NetworkConfig.parse("{\"Network\":\"" + network + "\"}").subnetLen()).isEqualTo(expected);
    }

    @Test
    void pool_neverHandsOutTheFirstSubnet() {
        NetworkConfig c = NetworkConfig.parse("{\"Network\":\"10.0.0.0/26\",\"SubnetLen\":28,\"SubnetMin\":\"10.0.0.0\"}");
        assertThat(c.poolSize()).isEqualTo(3);
        assertThat(c.subnetAt(0).toString()).isEqualTo("10.0.0.16/28");
        assertThat(c.isLeasable(Subnet.parse("10.0.0.0/28"))).isFalse();
        assertThat(c.isLeasable(Subnet.parse("10.0.0.48/28"))).isTrue();
        assertThat(c.isLeasable(Subnet.parse("10.0.0.48/29"))).isFalse();
    }

    @Test
    void pool_respectsMinAndMax() {
        NetworkConfig c = NetworkConfig.parse(
                "{\"Network\":\"10.1.0.0/16\",\"SubnetMin\":\"10.1.10.0\",\"SubnetMax\":\"10.1.12.0\"}");
        assertThat(c.poolSize()).isEqualTo(3);
        assertThat(c.isLeasable(Subnet.parse("10.1.9.0/24"))).isFalse();
        assertThat(c.isLeasable(Subnet.parse("10.1.12.0/24"))).isTrue();
        assertThat(c.isLeasable(Subnet.parse("10.1.13.0/24"))).isFalse();
    }

    @Test
    void parse_backendFields() {
        NetworkConfig c = NetworkConfig.parse("{\"Network\":\"10.1.0.0/16\",\"Backend\":{\"Type\":\"vxlan\",\"VNI\":42,"
                + "\"Port\":4789,\"DirectRouting\":true,\"MTU\":1400}}");
        assertThat(c.backend()).isEqualTo(new BackendConfig(BackendConfig.Type.VXLAN, 42, 4789, true, 1400));
        assertThat(NetworkConfig.parse("{\"Network\":\"10.1.0.0/16\",\"Backend\":{\"Type\":\"udp\"}}").backend().port())
                .isEqualTo(8285);
        assertThat(NetworkConfig.parse("{\"Network\":\"10.1.0.0/16\",\"Backend\":{\"Type\":\"host-gw\"}}").backend().type())
                .isEqualTo(BackendConfig.Type.HOST_GW);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "{\"Network\":\"10.0.0.0/16\"                         | ~malformed JSON",
        "[1,2]                                                | ~must be a JSON object",
        "{}                                                   | Network: is required",
        "{\"Network\":\"banana\"}                             | Network: \"banana\" is not a CIDR",
        "{\"Network\":\"10.0.0.0\"}                           | Network: \"10.0.0.0\" is not a CIDR: it needs a /prefix",
        "{\"Network\":\"10.0.0.1/16\"}                        | Network: \"10.0.0.1/16\" has host bits set",
        "{\"Network\":42}                                     | Network: must be a string",
        "{\"Network\":\"10.0.0.0/29\"}                        | Network: 10.0.0.0/29 is too small",
        "{\"Network\":\"10.0.0.0/16\",\"SubnetLen\":31}       | SubnetLen: 31 is out of range",
        "{\"Network\":\"10.0.0.0/16\",\"SubnetLen\":17}       | SubnetLen: 17 is too short",
        "{\"Network\":\"10.0.0.0/16\",\"SubnetLen\":\"24\"}   | SubnetLen: must be an integer",
        "{\"Network\":\"10.0.0.0/16\",\"SubnetMin\":\"10.1.0.0\"} | SubnetMin: 10.1.0.0 is outside Network 10.0.0.0/16",
        "{\"Network\":\"10.0.0.0/16\",\"SubnetMax\":\"10.0.3.7\"} | SubnetMax: 10.0.3.7 is not on a /24 boundary",
        "{\"Network\":\"10.0.0.0/16\",\"SubnetMin\":\"10.0.9.0\",\"SubnetMax\":\"10.0.3.0\"} | SubnetMin: 10.0.9.0 is above SubnetMax",
        "{\"Network\":\"10.0.0.0/16\",\"Backend\":{\"Type\":\"ipsec\"}} | Backend.Type: unknown backend type \"ipsec\"",
        "{\"Network\":\"10.0.0.0/16\",\"Backend\":{\"VNI\":0}} | Backend.VNI: 0 is out of range",
        "{\"Network\":\"10.0.0.0/16\",\"Backend\":{\"Port\":70000}} | Backend.Port: 70000 is out of range",
        "{\"Network\":\"10.0.0.0/16\",\"Backend\":\"vxlan\"}  | Backend: must be an object",
        "{\"Network\":\"fd00::/64\"}                          | Network: \"fd00::/64\" is not an IPv4 CIDR",
        "{\"Network\":\"0.0.0.0/0\"}                          | Network: 0.0.0.0/0 is every IPv4 address",
        "{\"Network\":\"0.0.0.0/1\"}                          | Network: 0.0.0.0/1 overlaps 0.0.0.0/8",
        "{\"Network\":\"127.5.0.0/16\"}                       | Network: 127.5.0.0/16 overlaps 127.0.0.0/8 (loopback)",
        "{\"Network\":\"96.0.0.0/3\"}                         | Network: 96.0.0.0/3 overlaps 127.0.0.0/8 (loopback)",
        "{\"Network\":\"224.5.0.0/16\"}                       | Network: 224.5.0.0/16 overlaps 224.0.0.0/4 (multicast)",
        "{\"Network\":\"169.254.0.0/20\"}                     | Network: 169.254.0.0/20 overlaps 169.254.0.0/16 (link-local)",
        "{\"Network\":\"255.255.0.0/16\"}                     | Network: 255.255.0.0/16 overlaps 255.255.255.255/32",
        "{\"Network\":\"10.0.0.0/16\",\"Backend\":{\"Type\":\"vxlan\",\"Encrypt\":true}} | Backend.Encrypt: encryption between hosts needs Backend.Type udp",
        "{\"Network\":\"10.0.0.0/16\",\"Backend\":{\"Type\":\"udp\",\"Encrypt\":\"yes\"}} | Backend.Encrypt",
        "{\"Network\":\"10.0.0.0/16\",\"Backend\":{\"Type\":\"udp\",\"RekeyAfter\":10}} | Backend.RekeyAfter: applies to encrypted networks only",
        "{\"Network\":\"10.0.0.0/16\",\"Backend\":{\"Type\":\"udp\",\"Encrypt\":true,\"RekeyAfter\":1}} | Backend.RekeyAfter: 1 is out of range 2-86400",
        "{\"Network\":\"10.0.0.0/16\",\"Backend\":{\"Type\":\"udp\",\"Encrypt\":true,\"RekeyAfter\":\"10s\"}} | Backend.RekeyAfter",
    })
    void parse_badInput_namesTheField(String json, String expected) {
        String want = expected.startsWith("~") ? expected.substring(1) : expected;
        assertThatThrownBy(() -> NetworkConfig.parse(json))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(want);
    }

    /** Issue 12: "Encrypt" was silently ignored, so a network that asked for encryption ran in clear. */
    @Test
    void parse_encryptFalse_acceptedAsPlain() {
        NetworkConfig c = NetworkConfig.parse("{\"Network\":\"10.0.0.0/16\",\"Backend\":{\"Type\":\"udp\",\"Encrypt\":false}}");
        assertThat(c.backend().type()).isEqualTo(BackendConfig.Type.UDP);
        assertThat(c.backend().encrypt()).isFalse();
    }

    @Test
    void parse_udpEncrypt_accepted() {
        NetworkConfig c = NetworkConfig.parse("{\"Network\":\"10.0.0.0/16\",\"Backend\":{\"Type\":\"udp\",\"Encrypt\":true}}");
        assertThat(c.backend().encrypt()).isTrue();
    }

    @Test
    void parse_rekeyAfter_keptInSecondsAndZeroWhenAbsent() {
        NetworkConfig c = NetworkConfig.parse("{\"Network\":\"10.0.0.0/16\",\"Backend\":{\"Type\":\"udp\",\"Encrypt\":true,\"RekeyAfter\":5}}");
        assertThat(c.backend().rekeyAfter()).isEqualTo(5);
        assertThat(NetworkConfig.parse("{\"Network\":\"10.0.0.0/16\",\"Backend\":{\"Type\":\"udp\",\"Encrypt\":true}}")
                .backend().rekeyAfter()).isZero();
    }
}

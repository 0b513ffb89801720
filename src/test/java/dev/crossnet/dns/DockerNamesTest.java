package dev.crossnet.dns;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class DockerNamesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void recordOf_nameAliasesAndAddressOnThatNetwork() throws Exception {
        var c = JSON.readTree("{\"Id\":\"3dd7b088c68f0247\",\"Name\":\"/busybox2\",\"NetworkSettings\":{\"Networks\":{"
                + "\"mv\":{\"Aliases\":[\"web\",\"3dd7b088c68f\"],\"IPAddress\":\"192.168.100.4\",\"DNSNames\":null},"
                + "\"other\":{\"Aliases\":null,\"IPAddress\":\"\"}}}}");
        assertThat(DockerNames.recordOf(c, "mv", "h2")).contains(
                new NameRecord("mv", "3dd7b088c68f0247", "h2", "192.168.100.4", List.of("busybox2", "web", "3dd7b088c68f")));
        assertThat(DockerNames.recordOf(c, "other", "h2")).as("no address yet").isEmpty();
        assertThat(DockerNames.recordOf(c, "absent", "h2")).isEmpty();
    }

    @Test
    void usesCrossnet_byDriverOrIpamDriver() throws Exception {
        assertThat(DockerNames.usesCrossnet(JSON.readTree("{\"Driver\":\"macvlan\",\"IPAM\":{\"Driver\":\"crossnet\"}}"))).isTrue();
        assertThat(DockerNames.usesCrossnet(JSON.readTree("{\"Driver\":\"crossnet:latest\",\"IPAM\":{\"Driver\":\"default\"}}"))).isTrue();
        assertThat(DockerNames.usesCrossnet(JSON.readTree("{\"Driver\":\"bridge\",\"IPAM\":{\"Driver\":\"default\"}}"))).isFalse();
        assertThat(DockerNames.usesCrossnet(JSON.readTree("{\"Driver\":\"crossnetx\"}"))).isFalse();
    }
}

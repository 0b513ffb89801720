package dev.crossnet.docker.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EngineEventTest {

    @Test
    void parse_networkConnect() throws IOException {
        EngineEvent e = EngineEvent.parse("{\"Type\":\"network\",\"Action\":\"connect\",\"Actor\":{\"ID\":\"n1\","
                + "\"Attributes\":{\"container\":\"c1\",\"name\":\"mv\",\"type\":\"macvlan\"}},\"scope\":\"local\",\"time\":1,\"timeNano\":2}");
        assertThat(e).isEqualTo(new EngineEvent("network", "connect", "n1",
                java.util.Map.of("container", "c1", "name", "mv", "type", "macvlan")));
    }

    @Test
    void parse_containerDestroy_oldStyleFieldsIgnored() throws IOException {
        EngineEvent e = EngineEvent.parse("{\"status\":\"destroy\",\"id\":\"c1\",\"Type\":\"container\",\"Action\":\"destroy\","
                + "\"Actor\":{\"ID\":\"c1\",\"Attributes\":{\"image\":\"busybox\",\"name\":\"busybox1\",\"exitCode\":null}}}");
        assertThat(e.actorId()).isEqualTo("c1");
        assertThat(e.attribute("name")).isEqualTo("busybox1");
        assertThat(e.attributes()).doesNotContainKey("exitCode");
    }

    @Test
    void parse_malformed_clearError() {
        assertThatThrownBy(() -> EngineEvent.parse("{\"Type\":")).isInstanceOf(IOException.class).hasMessageContaining("malformed Docker event");
        assertThatThrownBy(() -> EngineEvent.parse("[1]")).hasMessageContaining("not a JSON object");
        assertThatThrownBy(() -> EngineEvent.parse("{\"Type\":\"network\",\"Action\":\"connect\"}")).hasMessageContaining("Actor.ID");
    }
}

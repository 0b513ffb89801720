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

    @Test
    void httpResponse_chunkedStream_decodesAcrossChunkBoundaries() throws IOException {
        String wire = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\n{\"a\":\r\n4;ext=1\r\n1}\n{\r\n6\r\n\"b\":2}\r\n1\r\n\n\r\n0\r\nTrailer: x\r\n\r\n";
        ByteArrayInputStream in = new ByteArrayInputStream(wire.getBytes(StandardCharsets.ISO_8859_1));
        HttpResponse head = HttpResponse.readHead(in);
        assertThat(head.status()).isEqualTo(200);
        assertThat(head.chunked()).isTrue();
        assertThat(head.headers()).containsEntry("content-type", "application/json");
        assertThat(new String(head.readBody(in), StandardCharsets.UTF_8)).isEqualTo("{\"a\":1}\n{\"b\":2}\n");
    }

    @Test
    void httpResponse_contentLengthAndErrors() throws IOException {
        ByteArrayInputStream in = new ByteArrayInputStream("HTTP/1.0 404 Not Found\nContent-Length: 3\n\nabcdef".getBytes(StandardCharsets.ISO_8859_1));
        HttpResponse head = HttpResponse.readHead(in);
        assertThat(head.status()).isEqualTo(404);
        assertThat(new String(head.readBody(in), StandardCharsets.UTF_8)).isEqualTo("abc");
        assertThatThrownBy(() -> HttpResponse.readHead(new ByteArrayInputStream("SSH-2.0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1))))
                .hasMessageContaining("status line");
        ByteArrayInputStream badChunk = new ByteArrayInputStream("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".getBytes(StandardCharsets.ISO_8859_1));
        HttpResponse h = HttpResponse.readHead(badChunk);
        assertThatThrownBy(() -> h.readBody(badChunk)).hasMessageContaining("chunk size");
        ByteArrayInputStream cut = new ByteArrayInputStream("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab".getBytes(StandardCharsets.ISO_8859_1));
        HttpResponse c = HttpResponse.readHead(cut);
        assertThatThrownBy(() -> c.readBody(cut)).hasMessageContaining("closed");
    }
}

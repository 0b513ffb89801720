package dev.crossnet.cni;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The mapper-free reader and writer agree with Jackson's {@code ObjectMapper}. */
class JsonTest {
    private static final String SAMPLE = "{\"s\":\"é\\\"\\n\",\"i\":1450,\"l\":12345678901,\"big\":123456789012345678901234567890,"
            + "\"d\":1.5,\"t\":true,\"f\":false,\"n\":null,\"a\":[1,[],{}],\"o\":{\"x\":{\"y\":[\"z\"]}}}";

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void read_sample_equalsObjectMappersTree() throws IOException {
        assertThat(Json.read(utf8(SAMPLE))).isEqualTo(new ObjectMapper().readTree(SAMPLE));
    }

    @Test
    void write_thenRead_roundTrips() throws IOException {
        JsonNode n = Json.read(utf8(SAMPLE));
        assertThat(Json.read(utf8(Json.write(n, false)))).isEqualTo(n);
        assertThat(Json.read(utf8(Json.write(n, true)))).isEqualTo(n);
        assertThat(new ObjectMapper().readTree(Json.write(n, false))).isEqualTo(new ObjectMapper().readTree(SAMPLE));
    }

    @Test
    void read_emptyInput_isNull() throws IOException {
        assertThat(Json.read(new byte[0])).isNull();
    }

    @Test
    void read_trailingContent_fails() {
        assertThatThrownBy(() -> Json.read(utf8("{} {}"))).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> Json.read(utf8("{\"a\":"))).isInstanceOf(IOException.class);
    }
}

package dev.crossnet.cni;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The process contract: the result or the CNI error JSON on stdout, exit status 0 or 1. */
class CniMainTest {
    private final ObjectMapper json = new ObjectMapper();

    private record Run(int exit, JsonNode out) {
    }

    private Run run(Map<String, String> env, String stdin) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int exit = CniMain.run(env, stdin.getBytes(StandardCharsets.UTF_8), new PrintStream(b, true, StandardCharsets.UTF_8));
        return new Run(exit, json.readTree(b.toByteArray()));
    }

    @Test
    void version_printsVersionsAndExits0() throws Exception {
        Run r = run(Map.of("CNI_COMMAND", "VERSION"), "{\"cniVersion\":\"0.4.0\"}");
        assertThat(r.exit()).isZero();
        assertThat(r.out().get("supportedVersions")).hasSize(5);
    }

    @Test
    void missingVariable_printsErrorJsonNamingItAndExits1() throws Exception {
        Map<String, String> env = CniEnvTest.env("ADD");
        env.remove("CNI_IFNAME");
        Run r = run(env, "{\"cniVersion\":\"0.4.0\",\"name\":\"n\"}");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out().get("code").asInt()).isEqualTo(4);
        assertThat(r.out().get("msg").asText()).isEqualTo("CNI_IFNAME is missing");
        assertThat(r.out().get("cniVersion").asText()).isEqualTo("0.4.0");
    }

    @Test
    void badJson_printsDecodeErrorInVersion100() throws Exception {
        Run r = run(CniEnvTest.env("ADD"), "{oops");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out().get("code").asInt()).isEqualTo(6);
        assertThat(r.out().get("cniVersion").asText()).isEqualTo("1.0.0");
    }
}

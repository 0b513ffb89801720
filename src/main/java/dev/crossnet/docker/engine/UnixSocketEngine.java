package dev.crossnet.docker.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crossnet.CrossnetException;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@link Engine} over dockerd's unix socket, through {@link EngineClient} (Jetty's HTTP client).
 * Thread-safe.
 */
public final class UnixSocketEngine implements Engine {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path socket;
    private final EngineClient client;

    public UnixSocketEngine(Path socket) {
        this.socket = socket;
        this.client = new EngineClient(socket);
    }

    /** A status code and the body. */
    record Answer(int status, String body) {
    }

    @Override
    public List<EngineNetwork> networks(String driver) {
        String filter = URLEncoder.encode("{\"driver\":[\"" + driver + "\"]}", StandardCharsets.UTF_8);
        Answer a = expect(call("GET", "/networks?filters=" + filter, null), 200, "list networks");
        List<EngineNetwork> out = new ArrayList<>();
        for (JsonNode n : parse(a.body())) {
            out.add(toNetwork(n));
        }
        return out;
    }

    @Override
    public Optional<EngineNetwork> network(String idOrName) {
        Answer a = call("GET", "/networks/" + URLEncoder.encode(idOrName, StandardCharsets.UTF_8), null);
        if (a.status() == 404) {
            return Optional.empty();
        }
        return Optional.of(toNetwork(parse(expect(a, 200, "inspect network " + idOrName).body())));
    }

    @Override
    public String createNetwork(EngineNetwork.Spec s) {
        ObjectNode body = JSON.createObjectNode();
        body.put("Name", s.name());
        body.put("Driver", s.driver());
        body.put("CheckDuplicate", true);
        body.put("Attachable", s.attachable());
        ObjectNode ipam = body.putObject("IPAM");
        ipam.put("Driver", s.ipamDriver());
        ObjectNode cfg = ipam.putArray("Config").addObject();
        cfg.put("Subnet", s.subnet());
        cfg.put("Gateway", s.gateway());
        if (!s.ipRange().isEmpty()) {
            cfg.put("IPRange", s.ipRange());
        }
        ipam.set("Options", JSON.valueToTree(s.ipamOptions()));
        body.set("Options", JSON.valueToTree(s.options()));
        body.set("Labels", JSON.valueToTree(s.labels()));
        Answer a = expect(call("POST", "/networks/create", body.toString()), 201, "create network " + s.name());
        return parse(a.body()).path("Id").asText();
    }

    @Override
    public void removeNetwork(String idOrName) {
        Answer a = call("DELETE", "/networks/" + URLEncoder.encode(idOrName, StandardCharsets.UTF_8), null);
        if (a.status() != 404) {
            expect(a, 204, "remove network " + idOrName);
        }
    }

    private static EngineNetwork toNetwork(JsonNode n) {
        JsonNode cfg = n.path("IPAM").path("Config").path(0);
        Map<String, String> containers = new LinkedHashMap<>();
        n.path("Containers").fields().forEachRemaining(e ->
                containers.put(e.getValue().path("EndpointID").asText(), e.getValue().path("Name").asText()));
        return new EngineNetwork(n.path("Id").asText(), n.path("Name").asText(), n.path("Driver").asText(),
                cfg.path("Subnet").asText(""), cfg.path("Gateway").asText(""), cfg.path("IPRange").asText(""),
                n.path("IPAM").path("Driver").asText(""), strings(n.path("IPAM").path("Options")), strings(n.path("Options")),
                strings(n.path("Labels")), n.path("Attachable").asBoolean(), containers);
    }

    private static Map<String, String> strings(JsonNode obj) {
        Map<String, String> out = new LinkedHashMap<>();
        obj.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    private Answer expect(Answer a, int status, String what) {
        if (a.status() != status) {
            String msg = a.body();
            try {
                msg = JSON.readTree(a.body()).path("message").asText(a.body());
            } catch (IOException ignored) {
                // not JSON: show it as it is
            }
            throw new CrossnetException("docker (" + socket + "): cannot " + what + ": " + msg.strip());
        }
        return a;
    }

    private static JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new CrossnetException("docker answered malformed JSON: " + e.getMessage());
        }
    }

    Answer call(String method, String path, String body) {
        try {
            EngineClient.Reply r = client.request(method, path, body);
            return new Answer(r.status(), r.text());
        } catch (IOException e) {
            throw new CrossnetException("docker (" + socket + "): " + method + " " + path + ": " + e.getMessage(), e);
        }
    }
}

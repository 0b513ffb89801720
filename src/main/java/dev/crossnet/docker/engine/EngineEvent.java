package dev.crossnet.docker.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One event from Docker's {@code GET /events} stream, e.g. for {@code network connect}:
 * <pre>
 * {"Type":"network","Action":"connect","Actor":{"ID":"&lt;network id&gt;",
 *   "Attributes":{"container":"&lt;container id&gt;","name":"my-net","type":"macvlan"}},"time":..}
 * </pre>
 *
 * @param type       {@code network}, {@code container}, …
 * @param action     {@code connect}, {@code disconnect}, {@code destroy}, …
 * @param actorId    the network's id for network events, the container's for container events
 * @param attributes the actor's attributes; never null
 */
public record EngineEvent(String type, String action, String actorId, Map<String, String> attributes) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public EngineEvent {
        attributes = Map.copyOf(attributes);
    }

    /**
     * Parses one line of the stream.
     *
     * @throws IOException if it is not a JSON object with {@code Type}, {@code Action} and {@code Actor.ID}
     */
    public static EngineEvent parse(String line) throws IOException {
        JsonNode n;
        try {
            n = JSON.readTree(line);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException("malformed Docker event: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) {
            throw new IOException("malformed Docker event: not a JSON object");
        }
        String type = n.path("Type").asText("");
        String action = n.path("Action").asText("");
        JsonNode actor = n.path("Actor");
        String id = actor.path("ID").asText("");
        if (type.isEmpty() || action.isEmpty() || id.isEmpty()) {
            throw new IOException("malformed Docker event: Type, Action and Actor.ID are required");
        }
        Map<String, String> attrs = new LinkedHashMap<>();
        actor.path("Attributes").fields().forEachRemaining(e -> {
            if (e.getValue().isValueNode() && !e.getValue().isNull()) {
                attrs.put(e.getKey(), e.getValue().asText());
            }
        });
        return new EngineEvent(type, action, id, attrs);
    }

    /** The attribute, or null. */
    public String attribute(String key) {
        return attributes.get(key);
    }
}

package dev.crossnet.docker.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.crossnet.CrossnetException;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps a plugin path such as {@code /IpamDriver.RequestPool} to a handler: decodes the JSON body
 * into the route's request record, checks its {@link Required} fields, calls the handler and
 * encodes its response record. {@code /Plugin.Activate} is built in and lists what was
 * {@link #implement}ed.
 *
 * <p>Routes may come in stages: while {@link #unavailable(String)} is set, a path with no route yet
 * gets that message as a 500 {@code Err} instead of a 404 (e.g. the network driver of an agent
 * that has no lease yet, while its authorization and IPAM routes already answer).
 *
 * <p>It never throws: an unknown path (404), malformed JSON, a field of the wrong type or a
 * missing required field (400), a {@link CrossnetException} from the handler (500, its message as
 * is) or any other exception (500, logged with its stack) all become {@code {"Err":"..."}}. A
 * request refused at decoding never reaches the handler, so it changes nothing.
 *
 * <p>Thread-safe: routes may be added while requests are served, and handlers are called
 * concurrently from the server's connection threads.
 */
public final class PluginDispatcher {
    private static final Logger log = LoggerFactory.getLogger(PluginDispatcher.class);

    /** A status code and the JSON body to send with it. */
    public record Reply(int status, byte[] body) {
        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private record Route<Q, R>(Class<Q> type, Function<Q, R> handler) {
    }

    private final ObjectMapper json = new ObjectMapper()
            .setSerializationInclusion(JsonInclude.Include.NON_NULL)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true)
            .configure(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, true);
    private final Map<String, Route<?, ?>> routes = new ConcurrentHashMap<>();
    private final List<String> implemented = new CopyOnWriteArrayList<>();
    private volatile String unavailable;

    public PluginDispatcher() {
        route(PluginApi.ACTIVATE, PluginApi.Empty.class, req -> new PluginApi.ActivateResponse(List.copyOf(implemented)));
    }

    /** Declares a plugin interface ({@code "IpamDriver"}, {@code "NetworkDriver"}) for {@code /Plugin.Activate}. */
    public PluginDispatcher implement(String pluginInterface) {
        if (!implemented.contains(pluginInterface)) {
            implemented.add(pluginInterface);
        }
        return this;
    }

    /**
     * Adds or replaces the handler of {@code path}.
     *
     * @param type    the request record; its {@link Required} components are checked before {@code handler} runs
     * @param handler returns the response record; it may throw {@link CrossnetException} with a message for the user
     */
    public <Q, R> PluginDispatcher route(String path, Class<Q> type, Function<Q, R> handler) {
        routes.put(path, new Route<>(type, handler));
        return this;
    }

    /**
     * Until called again with null, a path with no route is answered 500 with {@code message}
     * (what is not ready and why) rather than 404. Thread-safe.
     */
    public PluginDispatcher unavailable(String message) {
        unavailable = message;
        return this;
    }

    /** Handles one request. Never throws. */
    public Reply dispatch(String path, byte[] body) {
        Route<?, ?> route = routes.get(path);
        String method = path.startsWith("/") ? path.substring(1) : path;
        String notYet = unavailable;
        if (route == null && notYet != null) {
            return error(500, method + ": " + notYet);
        }
        if (route == null) {
            return error(404, "unknown plugin method " + path + "; crossnet serves "
                    + routes.keySet().stream().sorted().collect(Collectors.joining(", ")));
        }
        return call(method, route, body);
    }

    private <Q, R> Reply call(String method, Route<Q, R> route, byte[] body) {
        Q request;
        try {
            request = decode(route.type(), body);
        } catch (MismatchedInputException e) {
            return error(400, method + ": " + describePath(e) + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            return error(400, method + ": malformed JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr()));
        } catch (IOException e) {
            return error(400, method + ": cannot read request: " + e.getMessage());
        }
        String missing = missingRequired(request);
        if (missing != null) {
            return error(400, method + ": " + missing + " is required");
        }
        try {
            R response = route.handler().apply(request);
            return new Reply(200, json.writeValueAsBytes(response));
        } catch (CrossnetException e) {
            log.info("{} refused: {}", method, e.getMessage());
            return error(500, e.getMessage());
        } catch (Exception e) {
            log.error("{} failed", method, e);
            return error(500, "internal error in " + method + ": " + e);
        }
    }

    private <Q> Q decode(Class<Q> type, byte[] body) throws IOException {
        String text = new String(body, StandardCharsets.UTF_8).trim();
        // Docker encodes a call without arguments as "null" (Go's json of a nil value).
        Q request = text.isEmpty() || text.equals("null") ? null : json.readValue(text, type);
        return request != null ? request : json.readValue("{}", type);
    }

    /** The first {@link Required} component that is null or an empty string, by its JSON name; null if none. */
    private static String missingRequired(Object request) {
        RecordComponent[] components = request.getClass().getRecordComponents();
        if (components == null) {
            return null;
        }
        for (RecordComponent c : components) {
            if (!c.isAnnotationPresent(Required.class)) {
                continue;
            }
            Object value;
            try {
                value = c.getAccessor().invoke(request);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            if (value == null || (value instanceof String s && s.isEmpty())) {
                // Jackson's annotation does not target record components; it lands on the accessor.
                JsonProperty p = c.getAccessor().getAnnotation(JsonProperty.class);
                return p != null ? p.value() : c.getName();
            }
        }
        return null;
    }

    private static String describePath(JsonMappingException e) {
        List<String> names = new ArrayList<>();
        for (JsonMappingException.Reference ref : e.getPath()) {
            names.add(ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]");
        }
        return names.isEmpty() ? "" : "field " + String.join(".", names) + ": ";
    }

    private Reply error(int status, String message) {
        try {
            return new Reply(status, json.writeValueAsBytes(new PluginApi.ErrorResponse(message)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

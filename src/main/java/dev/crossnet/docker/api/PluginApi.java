package dev.crossnet.docker.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** The messages every Docker plugin speaks, whatever it implements. */
public final class PluginApi {
    private PluginApi() {
    }

    /** The media type Docker sends in {@code Accept} and expects back. */
    public static final String CONTENT_TYPE = "application/vnd.docker.plugins.v1.2+json";

    public static final String ACTIVATE = "/Plugin.Activate";

    /** {@code /Plugin.Activate} takes an empty body. */
    public record Empty() {
    }

    /** Answer to {@code /Plugin.Activate}: {@code {"Implements":["NetworkDriver","IpamDriver"]}}. */
    public record ActivateResponse(@JsonProperty("Implements") List<String> implementsList) {
    }

    /**
     * What the dispatcher answers, with a non-200 status, when a request fails. Docker's plugin
     * client reads {@code Err} from any non-200 answer, for network and IPAM drivers alike.
     */
    public record ErrorResponse(@JsonProperty("Err") String err) {
    }
}

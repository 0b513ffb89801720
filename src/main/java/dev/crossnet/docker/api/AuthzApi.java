package dev.crossnet.docker.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * Requests and responses of Docker's authorization plugin protocol ({@code /AuthZPlugin.*},
 * {@code pkg/authorization/api.go}), for a dockerd started with {@code --authorization-plugin=crossnet-authz}
 * (or {@code =crossnet}, the agent's own socket). Fields dockerd sends that we do not read
 * ({@code RequestBody}, {@code ResponseBody}: base64, up to 1 MiB each before encoding) are skipped.
 */
public final class AuthzApi {
    private AuthzApi() {
    }

    public static final String IMPLEMENTS = "authz";
    public static final String AUTHZ_REQ = "/AuthZPlugin.AuthZReq";
    public static final String AUTHZ_RES = "/AuthZPlugin.AuthZRes";

    /** One API call to authorise; {@code RequestUri} is e.g. {@code /v1.41/networks/my-overlay}. */
    public record Request(@JsonProperty("User") String user,
                          @JsonProperty("RequestMethod") String requestMethod,
                          @JsonProperty("RequestUri") String requestUri,
                          @JsonProperty("RequestHeaders") Map<String, String> requestHeaders,
                          @JsonProperty("ResponseStatusCode") Integer responseStatusCode) {
    }

    /** {@code Msg} is shown to the user when {@code Allow} is false. */
    public record Response(@JsonProperty("Allow") boolean allow,
                           @JsonProperty("Msg") String msg,
                           @JsonProperty("Err") String err) {
    }
}

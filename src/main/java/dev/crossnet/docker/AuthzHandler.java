package dev.crossnet.docker;

import dev.crossnet.docker.api.AuthzApi;
import dev.crossnet.docker.api.PluginDispatcher;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Refuses {@code docker network rm} of a crossnet network while containers on other hosts use it,
 * naming those hosts: Docker ignores a remote driver's DeleteNetwork error (only its own drivers'
 * ForbiddenError counts), so the refusal has to come before the call. Needs dockerd started with
 * {@code --authorization-plugin=crossnet} (the lab does so); everything else is allowed. Thread-safe.
 */
public final class AuthzHandler {
    private static final Pattern NETWORK_DELETE = Pattern.compile("(?:/v[0-9.]+)?/networks/([^/?]+)/?(?:\\?.*)?");

    private final DockerStore store;
    private final NetworkDriver driver;
    private final String host;

    public AuthzHandler(DockerStore store, NetworkDriver driver, String host) {
        this.store = store;
        this.driver = driver;
        this.host = host;
    }

    public PluginDispatcher register(PluginDispatcher d) {
        return d.implement(AuthzApi.IMPLEMENTS)
                .route(AuthzApi.AUTHZ_REQ, AuthzApi.Request.class, this::request)
                .route(AuthzApi.AUTHZ_RES, AuthzApi.Request.class, req -> new AuthzApi.Response(true, null, null));
    }

    AuthzApi.Response request(AuthzApi.Request req) {
        if (!"DELETE".equals(req.requestMethod()) || req.requestUri() == null) {
            return new AuthzApi.Response(true, null, null);
        }
        Matcher m = NETWORK_DELETE.matcher(req.requestUri());
        if (!m.matches()) {
            return new AuthzApi.Response(true, null, null);
        }
        String ref = URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
        Optional<NetworkRecord> n = find(ref);
        if (n.isEmpty()) {
            return new AuthzApi.Response(true, null, null);
        }
        Set<String> remote = driver.remoteHosts(n.get());
        if (remote.isEmpty()) {
            return new AuthzApi.Response(true, null, null);
        }
        return new AuthzApi.Response(false, "network " + n.get().label() + " has active endpoints on host"
                + (remote.size() > 1 ? "s " : " ") + String.join(", ", remote)
                + "; remove those containers first (crossnet networks are removed from every host at once)", null);
    }

    /** The network {@code ref} names on this host: a name, or a prefix of this host's Docker ID for it. */
    private Optional<NetworkRecord> find(String ref) {
        for (NetworkRecord n : store.networks()) {
            if (n.name().equals(ref)) {
                return Optional.of(n);
            }
        }
        return store.attachmentsOf(host).values().stream()
                .filter(a -> a.dockerId().startsWith(ref))
                .findFirst()
                .flatMap(a -> store.network(a.networkId()));
    }
}

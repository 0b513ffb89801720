package dev.crossnet.docker;

import dev.crossnet.docker.api.AuthzApi;
import dev.crossnet.docker.api.PluginDispatcher;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Docker's authorization plugin, for one thing only: refusing {@code docker network rm} of a
 * crossnet network while containers on other hosts use it, naming those hosts. Docker ignores a
 * remote driver's DeleteNetwork error (only its own drivers' ForbiddenError counts), so the refusal
 * has to come before the call. Needs dockerd started with {@code --authorization-plugin=NAME}.
 *
 * <p>Every other call is allowed without looking at anything, and so is a network delete whenever
 * crossnet's state cannot be read (store unreachable, a record that does not parse): a dockerd with
 * this plugin must stay usable ({@code docker ps}, {@code docker stop}) whatever state crossnet is
 * in, so the plugin fails open and logs. It reads the store only, so it runs in the agent or on its
 * own ({@code crossnet plugin serve --plugins authz}), which keeps dockerd usable while the agent is
 * stopped. Thread-safe.
 */
public final class AuthzHandler {
    private static final Logger log = LoggerFactory.getLogger(AuthzHandler.class);
    private static final Pattern NETWORK_DELETE = Pattern.compile("(?:/v[0-9.]+)?/networks/([^/?]+)/?(?:\\?.*)?");
    private static final AuthzApi.Response ALLOW = new AuthzApi.Response(true, null, null);

    private final DockerStore store;
    private final String host;

    /** @param host this host's name in the store (its endpoints are not "remote") */
    public AuthzHandler(DockerStore store, String host) {
        this.store = store;
        this.host = host;
    }

    /** Adds the {@code /AuthZPlugin.*} routes and declares {@code authz}. */
    public PluginDispatcher register(PluginDispatcher d) {
        return d.implement(AuthzApi.IMPLEMENTS)
                .route(AuthzApi.AUTHZ_REQ, AuthzApi.Request.class, this::request)
                .route(AuthzApi.AUTHZ_RES, AuthzApi.Request.class, req -> ALLOW);
    }

    AuthzApi.Response request(AuthzApi.Request req) {
        if (!"DELETE".equals(req.requestMethod()) || req.requestUri() == null) {
            return ALLOW;
        }
        Matcher m = NETWORK_DELETE.matcher(req.requestUri());
        if (!m.matches()) {
            return ALLOW;
        }
        String ref = URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
        Optional<NetworkRecord> n;
        Set<String> remote;
        try {
            n = find(ref);
            if (n.isEmpty()) {
                return ALLOW;
            }
            remote = remoteHosts(n.get());
        } catch (RuntimeException e) {
            log.warn("allowing docker network rm {} unchecked: cannot read crossnet's state: {}", ref, e.getMessage());
            return ALLOW;
        }
        if (remote.isEmpty()) {
            return ALLOW;
        }
        return new AuthzApi.Response(false, "network " + n.get().label() + " has active endpoints on host"
                + (remote.size() > 1 ? "s " : " ") + String.join(", ", remote)
                + "; remove those containers first (crossnet networks are removed from every host at once)", null);
    }

    /** The hosts other than this one with endpoints on {@code n}, sorted. */
    private Set<String> remoteHosts(NetworkRecord n) {
        Set<String> out = new TreeSet<>();
        for (EndpointRecord e : store.endpoints(n.id())) {
            if (!e.host().equals(host)) {
                out.add(e.host());
            }
        }
        return out;
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

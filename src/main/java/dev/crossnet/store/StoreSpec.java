package dev.crossnet.store;

import dev.crossnet.CrossnetException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the store is and how to reach it: {@code file:PATH} for the embedded store, or etcd
 * endpoints with optional TLS files and credentials.
 *
 * @param file      the SQLite file, for the embedded store; null for etcd
 * @param endpoints etcd client URLs ({@code http://host:2379} or {@code https://…}); empty for the embedded store
 * @param timeout   how long one attempt at an operation may take before it is retried
 */
public record StoreSpec(Path file, List<URI> endpoints, Path caFile, Path certFile, Path keyFile,
                        String username, String password, Duration timeout) {

    public static final String DEFAULT_FILE = "/var/lib/crossnet/store.db";

    public boolean isEtcd() {
        return file == null;
    }

    /** For messages: {@code file:/var/lib/crossnet/store.db} or {@code etcd://127.0.0.1:2379}. */
    public String describe() {
        if (!isEtcd()) {
            return "file:" + file;
        }
        List<String> hp = new ArrayList<>();
        for (URI u : endpoints) {
            hp.add(u.getHost() + ":" + u.getPort());
        }
        return "etcd://" + String.join(",", hp);
    }

    /**
     * Parses {@code --store}: {@code file:PATH}, {@code etcd://HOST:PORT[,HOST:PORT…]} (plain) or
     * {@code etcds://…} (TLS).
     *
     * @param option the flag name to put in errors, e.g. {@code --store}
     */
    public static StoreSpec parse(String option, String text, Duration timeout) {
        if (text == null || text.isBlank()) {
            throw new CrossnetException(option + ": empty; want file:PATH or etcd://HOST:PORT[,HOST:PORT...]");
        }
        if (text.startsWith("file:")) {
            String p = text.substring("file:".length());
            if (p.startsWith("//")) {
                p = p.substring(2);
            }
            if (p.isBlank()) {
                throw new CrossnetException(option + ": \"" + text + "\" names no file; want file:PATH");
            }
            return new StoreSpec(Path.of(p), List.of(), null, null, null, null, null, timeout);
        }
        String scheme;
        if (text.startsWith("etcd://")) {
            scheme = "http";
        } else if (text.startsWith("etcds://")) {
            scheme = "https";
        } else {
            throw new CrossnetException(option + ": \"" + text + "\" is not a store; want file:PATH or etcd://HOST:PORT[,HOST:PORT...]");
        }
        String rest = text.substring(text.indexOf("://") + 3);
        List<String> urls = new ArrayList<>();
        for (String hp : rest.split(",", -1)) { // -1: a stray comma is an error, not ignored
            urls.add(scheme + "://" + hp.trim());
        }
        return new StoreSpec(null, parseEndpoints(option, String.join(",", urls)), null, null, null, null, null, timeout);
    }

    /** Parses flanneld's {@code --etcd-endpoints}: comma-separated {@code http(s)://host:port} URLs. */
    public static List<URI> parseEndpoints(String option, String text) {
        List<URI> out = new ArrayList<>();
        for (String s : text.split(",", -1)) {
            String t = s.trim();
            URI u;
            try {
                u = URI.create(t.contains("://") ? t : "http://" + t);
            } catch (IllegalArgumentException e) {
                throw new CrossnetException(option + ": \"" + t + "\" is not an endpoint URL: " + e.getMessage());
            }
            if (u.getHost() == null || u.getPort() <= 0 || u.getPort() > 65535
                    || !(u.getScheme().equals("http") || u.getScheme().equals("https"))) {
                throw new CrossnetException(option + ": \"" + t + "\" is not an endpoint; want http(s)://HOST:PORT");
            }
            out.add(u);
        }
        return List.copyOf(out);
    }

    public StoreSpec withTls(Path ca, Path cert, Path key) {
        return new StoreSpec(file, endpoints, ca, cert, key, username, password, timeout);
    }

    public StoreSpec withAuth(String user, String pass) {
        return new StoreSpec(file, endpoints, caFile, certFile, keyFile, user, pass, timeout);
    }

    @Override
    public String toString() {
        return describe(); // never the password
    }
}

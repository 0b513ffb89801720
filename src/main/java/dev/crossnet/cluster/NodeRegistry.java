package dev.crossnet.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crossnet.CrossnetException;
import dev.crossnet.store.KeyValue;
import dev.crossnet.store.Store;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The cluster's hosts in the store, one record per host at {@code /crossnet/cluster/nodes/<host>}
 * (outside flannel's prefix, so flanneld ignores them). Written by the join endpoint and by init;
 * read by {@code node ls}. Thread-safe as the store is.
 */
public final class NodeRegistry {
    public static final String PREFIX = "/crossnet/cluster/nodes/";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One host: {@code etcdRole} is member or client; {@code joined} when init/join admitted it. */
    public record Node(String host, String address, String etcdRole, String joined) {
    }

    private final Store store;

    public NodeRegistry(Store store) {
        this.store = store;
    }

    public Optional<Node> get(String host) {
        return store.get(PREFIX + host).map(kv -> decode(kv));
    }

    public void put(Node n) {
        try {
            store.put(PREFIX + n.host(), JSON.writeValueAsString(n), null);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public boolean delete(String host) {
        return store.delete(PREFIX + host);
    }

    public List<Node> list() {
        List<Node> out = new ArrayList<>();
        for (KeyValue kv : store.list(PREFIX).items()) {
            out.add(decode(kv));
        }
        out.sort((a, b) -> a.host().compareTo(b.host()));
        return out;
    }

    static String now() {
        return Instant.now().toString();
    }

    private static Node decode(KeyValue kv) {
        try {
            return JSON.readValue(kv.value(), Node.class);
        } catch (IOException e) {
            throw new CrossnetException("node record " + kv.key() + " is not valid JSON: " + e.getMessage());
        }
    }
}

package dev.crossnet.dns;

import dev.crossnet.store.KeyValue;
import dev.crossnet.store.Store;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * One host's records in the store. Every record is written with a TTL and kept alive by
 * {@link #keepAlive}, so the names of a host that dies disappear from the cluster within the TTL.
 * Only this host's records ({@code Host} equal to its id) are ever changed.
 *
 * <p>Thread-safe; every method blocks on the store.
 */
public final class NameRegistry {
    private final Store store;
    private final String prefix;
    private final String host;
    private final Duration ttl;
    private final Map<String, NameRecord> owned = new ConcurrentHashMap<>(); // by key

    public NameRegistry(Store store, String prefix, String host, Duration ttl) {
        this.store = store;
        this.prefix = prefix;
        this.host = host;
        this.ttl = ttl;
    }

    public String host() {
        return host;
    }

    public Duration ttl() {
        return ttl;
    }

    /** Writes (or rewrites) a record of this host. Idempotent. */
    public synchronized void put(NameRecord r) {
        if (!r.host().equals(host)) {
            throw new IllegalArgumentException("record of host " + r.host() + " written by " + host);
        }
        String key = r.key(prefix);
        store.put(key, r.toJson(), ttl);
        owned.put(key, r);
    }

    /** Deletes this host's record of {@code containerId} on {@code network}, if any. Idempotent. */
    public synchronized void remove(String network, String containerId) {
        String key = NameRecord.dir(prefix) + network + "/" + containerId;
        owned.remove(key);
        store.delete(key);
    }

    /** Deletes every record of {@code containerId} this host wrote. Idempotent. */
    public synchronized void removeContainer(String containerId) {
        for (Map.Entry<String, NameRecord> e : owned.entrySet()) {
            if (e.getValue().containerId().equals(containerId)) {
                owned.remove(e.getKey());
                store.delete(e.getKey());
            }
        }
    }

    /**
     * Makes the store hold exactly {@code desired} for this host: writes them all, and deletes this
     * host's records that are not among them (left by a previous run, or missed events).
     */
    public synchronized void reconcile(Collection<NameRecord> desired) {
        Set<String> keep = desired.stream().map(r -> r.key(prefix)).collect(Collectors.toSet());
        for (KeyValue kv : store.list(NameRecord.dir(prefix), false).items()) {
            boolean mine = NameRecord.parse(prefix, kv.key(), kv.value()).map(r -> r.host().equals(host)).orElse(false);
            if (mine && !keep.contains(kv.key())) {
                store.delete(kv.key());
            }
        }
        owned.keySet().retainAll(keep);
        desired.forEach(this::put);
    }

    /**
     * Restarts the TTL of every record of this host; rewrites any that expired meanwhile. Holds no
     * lock while refreshing, so a long refresh never delays {@link #put} (name latency matters more).
     */
    public void keepAlive() {
        for (Map.Entry<String, NameRecord> e : Map.copyOf(owned).entrySet()) {
            if (!store.keepAlive(e.getKey())) {
                synchronized (this) {
                    // Re-put only if it is still ours and unchanged: a concurrent remove wins.
                    if (owned.get(e.getKey()) == e.getValue()) {
                        store.put(e.getKey(), e.getValue().toJson(), ttl);
                    }
                }
            }
        }
    }

    /** This host's records, as last written. */
    public Collection<NameRecord> owned() {
        return Set.copyOf(owned.values());
    }
}

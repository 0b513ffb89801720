package dev.crossnet.lease;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crossnet.CrossnetException;
import dev.crossnet.model.Lease;
import dev.crossnet.model.LeaseAttrs;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.model.Subnet;
import dev.crossnet.store.KeyValue;
import dev.crossnet.store.ListResult;
import dev.crossnet.store.Store;
import dev.crossnet.store.StoreJson;
import dev.crossnet.store.Watch;
import dev.crossnet.store.WatchListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Store access for one network: the config at {@code <prefix>/config} and the leases at
 * {@code <prefix>/subnets/<ip>-<len>}, with flannel's key and value formats so that a real flanneld
 * can share the store. No allocation policy here. Thread-safe; every method blocks on the store.
 */
public final class LeaseRegistry {
    private static final Logger log = LoggerFactory.getLogger(LeaseRegistry.class);
    static final ObjectMapper JSON = new ObjectMapper();

    private final Store store;
    private final String prefix;

    public LeaseRegistry(Store store, String prefix) {
        this.store = store;
        this.prefix = prefix;
    }

    public Store store() {
        return store;
    }

    public String prefix() {
        return prefix;
    }

    public String configKey() {
        return prefix + "/config";
    }

    public String subnetsPrefix() {
        return prefix + "/subnets/";
    }

    public String leaseKey(Subnet s) {
        return subnetsPrefix() + s.key();
    }

    /** The network config, validated. @throws CrossnetException if none is set or it is invalid */
    public NetworkConfig config() {
        Optional<KeyValue> kv = store.get(configKey());
        if (kv.isEmpty()) {
            throw new CrossnetException("no network config at " + configKey() + " in " + store.endpoint()
                    + "; set one with: crossnet config set FILE");
        }
        return NetworkConfig.parse(kv.get().value());
    }

    /** The config's raw JSON, if set. */
    public Optional<String> rawConfig() {
        return store.get(configKey()).map(KeyValue::value);
    }

    public void setConfig(NetworkConfig config) {
        store.put(configKey(), config.json(), null);
    }

    /** All leases, with their expiry, and the revision they were read at. Entries that do not parse are skipped and logged. */
    public LeaseSnapshot leases() {
        return leases(true);
    }

    /**
     * All leases; with {@code withExpiry} false, a lease with a TTL may carry
     * {@link KeyValue#UNKNOWN_EXPIRY} (cheaper on etcd: allocation only needs to know whether a
     * lease is permanent).
     */
    public LeaseSnapshot leases(boolean withExpiry) {
        ListResult r = store.list(subnetsPrefix(), withExpiry);
        List<Lease> out = new ArrayList<>();
        for (KeyValue kv : r.items()) {
            Lease l = toLease(kv);
            if (l != null) {
                out.add(l);
            }
        }
        return new LeaseSnapshot(List.copyOf(out), r.revision());
    }

    public Optional<Lease> lease(Subnet s) {
        return store.get(leaseKey(s)).map(this::toLease);
    }

    /** Creates the lease only if nobody holds the subnet. Atomic. @param ttl null for a permanent reservation */
    public Optional<Lease> create(Subnet s, LeaseAttrs attrs, Duration ttl) {
        OptionalLong rev = store.create(leaseKey(s), encode(attrs), ttl);
        return rev.isPresent() ? lease(s) : Optional.empty();
    }

    /** Rewrites {@code old} if it is unchanged since it was read. Atomic. */
    public Optional<Lease> update(Lease old, LeaseAttrs attrs, Duration ttl) {
        OptionalLong rev = store.compareAndSet(leaseKey(old.subnet()), old.revision(), encode(attrs), ttl);
        return rev.isPresent() ? lease(old.subnet()) : Optional.empty();
    }

    public boolean delete(Subnet s) {
        return store.delete(leaseKey(s));
    }

    public Watch watch(long afterRevision, WatchListener listener) {
        return store.watch(subnetsPrefix(), afterRevision, listener);
    }

    /**
     * Decodes a stored lease, with flannel's fields as written: a missing BackendType stays null
     * (what it means is the backend's call, see {@code Peers.belongsTo}). Null (and a warning) if
     * the key or value is not a lease; never a lease with null attrs.
     */
    public Lease toLease(KeyValue kv) {
        String key = kv.key().substring(subnetsPrefix().length());
        try {
            Subnet s = Subnet.fromKey(key);
            return new Lease(s, decode(kv.value()), kv.expiresAt(), kv.modRevision());
        } catch (IllegalArgumentException | JsonProcessingException e) {
            log.warn("ignoring malformed lease {}: {}", kv.key(), e.getMessage());
            return null;
        }
    }

    /** The subnet a lease key names, or null. */
    public Subnet subnetOfKey(String key) {
        if (!key.startsWith(subnetsPrefix())) {
            return null;
        }
        try {
            return Subnet.fromKey(key.substring(subnetsPrefix().length()));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    static String encode(LeaseAttrs attrs) {
        return StoreJson.write(attrs);
    }

    /**
     * A lease value as stored, flanneld's JSON: {@code {"PublicIP":"10.203.0.1","PublicIPv6":null}}
     * gives PublicIP 10.203.0.1 and no BackendType or BackendData; unknown fields are ignored. Never
     * null: a value of JSON {@code null} still holds its subnet (flanneld decodes it to empty attrs).
     *
     * @throws JsonProcessingException when the value is not a JSON object of lease fields
     */
    public static LeaseAttrs decode(String value) throws JsonProcessingException {
        LeaseAttrs attrs = JSON.readValue(value, LeaseAttrs.class);
        return attrs == null ? new LeaseAttrs(null, null, null) : attrs;
    }

    /** Leases read at one store revision. */
    public record LeaseSnapshot(List<Lease> leases, long revision) {
    }
}

package dev.crossnet.docker;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.crossnet.CrossnetException;
import dev.crossnet.store.KeyValue;
import dev.crossnet.store.StoreJson;
import dev.crossnet.store.Store;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The Docker networks, attachments and endpoints of the cluster, in the store. The schema is in
 * {@code package-info.java}. Stateless apart from the store; thread-safe; every method blocks.
 */
public final class DockerStore {
    /** VNIs of Docker networks start here: below are flannel's (1) and anything an admin picked by hand. */
    public static final int FIRST_VNI = 4096;
    public static final int LAST_VNI = 16_777_215;


    record Attachment(@JsonProperty("DockerID") String dockerId) {
    }

    /** One host's Docker network for a crossnet network. */
    public record HostAttachment(String networkId, String host, String dockerId) {
    }

    private final Store store;
    private final String root;

    /** @param prefix the store prefix, e.g. {@code /coreos.com/network} */
    public DockerStore(Store store, String prefix) {
        this.store = store;
        this.root = (prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix) + "/docker/";
    }

    /** The prefix every key of this class starts with, for watches. */
    public String root() {
        return root;
    }

    public String endpointsPrefix() {
        return root + "endpoints/";
    }

    public String networksPrefix() {
        return root + "networks/";
    }

    public String attachmentsPrefix() {
        return root + "attachments/";
    }

    /** Where each host's presence record is ({@link HostPresence}). */
    public String hostsPrefix() {
        return root + "hosts/";
    }

    // --- networks ---

    public Optional<NetworkRecord> network(String id) {
        return store.get(root + "networks/" + id).map(kv -> read(kv, NetworkRecord.class).withId(id));
    }

    public List<NetworkRecord> networks() {
        List<NetworkRecord> out = new ArrayList<>();
        for (KeyValue kv : store.list(root + "networks/").items()) {
            out.add(read(kv, NetworkRecord.class).withId(kv.key().substring((root + "networks/").length())));
        }
        return out;
    }

    /**
     * Stores a new network with the lowest free VNI from {@link #FIRST_VNI}, taken atomically: of
     * two hosts racing for a VNI, one gets it and the other the next.
     *
     * @return the network as stored, with its VNI
     * @throws CrossnetException if the ID exists or no VNI is free; nothing is left written then
     */
    public NetworkRecord createNetwork(NetworkRecord draft) {
        Set<Integer> taken = new HashSet<>();
        for (KeyValue kv : store.list(root + "vni/").items()) {
            taken.add(Integer.parseInt(kv.key().substring((root + "vni/").length())));
        }
        for (int vni = FIRST_VNI; vni <= LAST_VNI; vni++) {
            if (taken.contains(vni) || store.create(root + "vni/" + vni, draft.id(), null).isEmpty()) {
                continue;
            }
            NetworkRecord n = draft.withVni(vni);
            if (store.create(root + "networks/" + n.id(), write(n), null).isEmpty()) {
                store.delete(root + "vni/" + vni);
                throw new CrossnetException("network " + n.id() + " already exists in the store");
            }
            return n;
        }
        throw new CrossnetException("no free VNI left between " + FIRST_VNI + " and " + LAST_VNI);
    }

    /**
     * Rewrites a network with compare-and-set, retrying on concurrent changes.
     *
     * @return the new value, or empty when the network is gone
     */
    public Optional<NetworkRecord> updateNetwork(String id, UnaryOperator<NetworkRecord> change) {
        while (true) {
            Optional<KeyValue> kv = store.get(root + "networks/" + id);
            if (kv.isEmpty()) {
                return Optional.empty();
            }
            NetworkRecord now = read(kv.get(), NetworkRecord.class).withId(id);
            NetworkRecord next = change.apply(now);
            if (next.equals(now) || store.compareAndSet(kv.get().key(), kv.get().modRevision(), write(next), null).isPresent()) {
                return Optional.of(next);
            }
        }
    }

    /** Deletes the network and frees its VNI. Attachments stay until each host removes its own. Idempotent. */
    public void deleteNetwork(NetworkRecord n) {
        store.delete(root + "networks/" + n.id());
        store.get(root + "vni/" + n.vni()).filter(kv -> kv.value().equals(n.id()))
                .ifPresent(kv -> store.compareAndDelete(kv.key(), kv.modRevision()));
    }

    // --- attachments: which Docker network on each host is the crossnet network ---

    public void attach(String networkId, String host, String dockerId) {
        store.put(root + "attachments/" + networkId + "/" + host, write(new Attachment(dockerId)), null);
    }

    public void detach(String networkId, String host) {
        store.delete(root + "attachments/" + networkId + "/" + host);
    }

    public List<HostAttachment> attachments() {
        List<HostAttachment> out = new ArrayList<>();
        String p = root + "attachments/";
        for (KeyValue kv : store.list(p).items()) {
            String[] parts = kv.key().substring(p.length()).split("/", 2);
            if (parts.length == 2) {
                out.add(new HostAttachment(parts[0], parts[1], read(kv, Attachment.class).dockerId()));
            }
        }
        return out;
    }

    /** The attachments of {@code host} by Docker network ID. */
    public Map<String, HostAttachment> attachmentsOf(String host) {
        Map<String, HostAttachment> out = new LinkedHashMap<>();
        for (HostAttachment a : attachments()) {
            if (a.host().equals(host)) {
                out.put(a.dockerId(), a);
            }
        }
        return out;
    }

    // --- endpoints ---

    /** @throws CrossnetException if the endpoint exists already */
    public void createEndpoint(EndpointRecord e) {
        if (store.create(endpointKey(e.networkId(), e.endpointId()), write(e), null).isEmpty()) {
            throw new CrossnetException("endpoint " + e.endpointId() + " already exists on network " + e.networkId());
        }
    }

    public void putEndpoint(EndpointRecord e) {
        store.put(endpointKey(e.networkId(), e.endpointId()), write(e), null);
    }

    public Optional<EndpointRecord> endpoint(String networkId, String endpointId) {
        return store.get(endpointKey(networkId, endpointId))
                .map(kv -> read(kv, EndpointRecord.class).withKey(networkId, endpointId));
    }

    /** Endpoints of one network, or of all networks when {@code networkId} is null. */
    public List<EndpointRecord> endpoints(String networkId) {
        String p = root + "endpoints/";
        List<EndpointRecord> out = new ArrayList<>();
        for (KeyValue kv : store.list(networkId == null ? p : p + networkId + "/").items()) {
            String[] parts = kv.key().substring(p.length()).split("/", 2);
            if (parts.length == 2) {
                out.add(read(kv, EndpointRecord.class).withKey(parts[0], parts[1]));
            }
        }
        return out;
    }

    /** Rewrites an endpoint with compare-and-set; does nothing when it is gone (never resurrects it). */
    public void updateEndpoint(String networkId, String endpointId, UnaryOperator<EndpointRecord> change) {
        while (true) {
            Optional<KeyValue> kv = store.get(endpointKey(networkId, endpointId));
            if (kv.isEmpty()) {
                return;
            }
            EndpointRecord now = read(kv.get(), EndpointRecord.class).withKey(networkId, endpointId);
            EndpointRecord next = change.apply(now);
            if (next.equals(now) || store.compareAndSet(kv.get().key(), kv.get().modRevision(), write(next), null).isPresent()) {
                return;
            }
        }
    }

    public boolean deleteEndpoint(String networkId, String endpointId) {
        return store.delete(endpointKey(networkId, endpointId));
    }

    private String endpointKey(String networkId, String endpointId) {
        return root + "endpoints/" + networkId + "/" + endpointId;
    }

    private static String write(Object value) {
        return StoreJson.write(value);
    }

    private static <T> T read(KeyValue kv, Class<T> type) {
        return StoreJson.read(kv, type);
    }
}

package dev.crossnet.docker;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.crossnet.CrossnetException;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.model.Subnet;
import dev.crossnet.store.BadRecords;
import dev.crossnet.store.KeyValue;
import dev.crossnet.store.StoreJson;
import dev.crossnet.store.Store;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.slf4j.LoggerFactory;

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
    private final String prefix;
    private final String root;
    private final BadRecords bad = new BadRecords(LoggerFactory.getLogger(DockerStore.class));

    /** @param prefix the store prefix, e.g. {@code /coreos.com/network} */
    public DockerStore(Store store, String prefix) {
        this.store = store;
        this.prefix = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        this.root = this.prefix + "/docker/";
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

    /** Where each host's seal certificate is, for the encrypted networks ({@code dev.crossnet.docker.sealed}). */
    public String sealsPrefix() {
        return root + "seals/";
    }

    record SealRecord(@JsonProperty("Certificate") String certificate) {
    }

    /**
     * Publishes {@code host}'s seal certificate (DER; public, verified by every reader against the
     * cluster CA), unless it is already there. Blocking; idempotent.
     */
    public void putSealCertificate(String host, byte[] der) {
        String value = StoreJson.write(new SealRecord(java.util.Base64.getEncoder().encodeToString(der)));
        String key = sealsPrefix() + host;
        if (!store.get(key).map(KeyValue::value).filter(value::equals).isPresent()) {
            store.put(key, value, null);
        }
    }

    /**
     * Every host's published seal certificate (DER), by host; a record that is not one is skipped
     * and logged. Nothing here is trusted: the encrypted datapath verifies each against the CA.
     */
    public Map<String, byte[]> sealCertificates() {
        String p = sealsPrefix();
        Map<String, byte[]> out = new LinkedHashMap<>();
        bad.readEach(p, store.list(p).items(), kv -> {
            SealRecord r = read(kv, SealRecord.class);
            if (r.certificate() == null || r.certificate().isEmpty()) {
                throw new CrossnetException("store key " + kv.key() + ": no Certificate");
            }
            try {
                out.put(kv.key().substring(p.length()), java.util.Base64.getDecoder().decode(r.certificate()));
            } catch (IllegalArgumentException e) {
                throw new CrossnetException("store key " + kv.key() + ": Certificate is not base64");
            }
            return r;
        });
        return out;
    }

    // --- networks ---

    /** @throws CrossnetException naming the key when the record is not a usable network */
    public Optional<NetworkRecord> network(String id) {
        return store.get(root + "networks/" + id).map(kv -> readNetwork(kv, id));
    }

    /** Every network; a record that is not a usable network is skipped and logged (once per version). */
    public List<NetworkRecord> networks() {
        String p = root + "networks/";
        return bad.readEach(p, store.list(p).items(), kv -> readNetwork(kv, kv.key().substring(p.length())));
    }

    /**
     * The overlay Network of the flannel config at {@code <prefix>/config}, if one is set and
     * valid: Docker networks must stay out of it.
     */
    public Optional<Subnet> overlayNetwork() {
        try {
            return store.get(prefix + "/config").map(kv -> NetworkConfig.parse(kv.value()).network());
        } catch (CrossnetException e) {
            return Optional.empty(); // the agent reports a bad config; it guards nothing then
        }
    }

    /** A network record, checked: what the data plane needs from it must make sense. */
    private static NetworkRecord readNetwork(KeyValue kv, String id) {
        NetworkRecord n = read(kv, NetworkRecord.class).withId(id);
        String where = "store key " + kv.key() + ": ";
        Subnet subnet;
        try {
            subnet = Subnet.parse(n.subnet());
        } catch (IllegalArgumentException e) {
            throw new CrossnetException(where + "Subnet: " + e.getMessage());
        }
        IPAddress gw = n.gateway() == null ? null : new IPAddressString(n.gateway()).getAddress();
        if (!subnet.isIpv4() || gw == null || !gw.isIPv4() || gw.isPrefixed() || !subnet.contains(gw)) {
            throw new CrossnetException(where + "Subnet " + n.subnet() + " and Gateway " + n.gateway()
                    + " are not an IPv4 subnet and an address in it");
        }
        if (n.vni() < FIRST_VNI || n.vni() > LAST_VNI) {
            throw new CrossnetException(where + "VNI " + n.vni() + " is out of range " + FIRST_VNI + "-" + LAST_VNI);
        }
        return n;
    }

    /**
     * Stores a new network with the lowest free VNI from {@link #FIRST_VNI}, taken atomically: of
     * two hosts racing for a VNI, one gets it and the other the next.
     *
     * @return the network as stored, with its VNI
     * @throws CrossnetException if the ID exists or no VNI is free; nothing is left written then
     */
    public NetworkRecord createNetwork(NetworkRecord draft) {
        String p = root + "vni/";
        // A key that is not a VNI (vni/abc) is skipped: it takes no VNI and must not stop allocation.
        Set<Integer> taken = new HashSet<>(bad.readEach(p, store.list(p).items(),
                kv -> {
                    String vni = kv.key().substring(p.length());
                    if (!vni.matches("[0-9]{1,8}")) {
                        throw new IllegalArgumentException("\"" + vni + "\" is not a VNI; it takes none");
                    }
                    return Integer.parseInt(vni);
                }));
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
        String p = root + "attachments/";
        return bad.readEach(p, store.list(p).items(), kv -> {
            String[] parts = kv.key().substring(p.length()).split("/", 2);
            return parts.length == 2 ? new HostAttachment(parts[0], parts[1], read(kv, Attachment.class).dockerId()) : null;
        });
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

    /**
     * Endpoints of one network, or of all networks when {@code networkId} is null. A record that is
     * not JSON or names no Host is skipped and logged (once per version); its other fields are the
     * data plane's to check.
     */
    public List<EndpointRecord> endpoints(String networkId) {
        String p = root + "endpoints/";
        String listed = networkId == null ? p : p + networkId + "/";
        return bad.readEach(listed, store.list(listed).items(), kv -> {
            String[] parts = kv.key().substring(p.length()).split("/", 2);
            if (parts.length != 2) {
                return null;
            }
            EndpointRecord e = read(kv, EndpointRecord.class).withKey(parts[0], parts[1]);
            if (e.host() == null || e.host().isEmpty()) {
                throw new CrossnetException("store key " + kv.key() + ": Host is missing");
            }
            return e;
        });
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

package dev.crossnet.docker;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crossnet.CrossnetException;
import dev.crossnet.model.Subnet;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * crossnet's own view of its Docker networks ({@code crossnet network create|ls|inspect|rm}),
 * straight on the store: every host's agent then makes them appear in (or go from) its dockerd.
 * Blocking; thread-safe.
 */
public final class NetworkAdmin {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final DockerStore store;
    private final Clock clock;

    public NetworkAdmin(DockerStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /**
     * Stores a new network; agents create it in their dockerd.
     *
     * @param gateway null for the subnet's first address
     * @throws CrossnetException naming the option at fault; nothing is written then
     */
    public NetworkRecord create(String name, String subnet, String gateway, String ipRange, boolean attachable,
                                Map<String, String> options) {
        if (name == null || !name.matches("[a-zA-Z0-9][a-zA-Z0-9_.-]*")) {
            throw new CrossnetException("NAME: \"" + name + "\" is not a Docker network name");
        }
        Subnet net;
        try {
            net = Subnet.parse(subnet);
        } catch (IllegalArgumentException e) {
            throw new CrossnetException("--subnet: " + e.getMessage());
        }
        if (!net.isIpv4()) {
            throw new CrossnetException("--subnet: " + net + " is IPv6; IPv6 is not available yet");
        }
        IPAddress gw = gateway == null ? net.network().increment(1) : new IPAddressString(gateway).getAddress();
        if (gw == null || !net.contains(gw.withoutPrefixLength())) {
            throw new CrossnetException("--gateway: \"" + gateway + "\" is not an address in " + net);
        }
        if (ipRange != null && !ipRange.isEmpty()) {
            try {
                if (!net.contains(Subnet.parse(ipRange))) {
                    throw new CrossnetException("--ip-range: " + ipRange + " is not inside --subnet " + net);
                }
            } catch (IllegalArgumentException e) {
                throw new CrossnetException("--ip-range: " + e.getMessage());
            }
        }
        for (NetworkRecord n : store.networks()) {
            if (n.name().equals(name)) {
                throw new CrossnetException("network " + name + " already exists (" + n.id().substring(0, 12) + ")");
            }
            if (n.subnet().equals(net.toString())) {
                throw new CrossnetException("--subnet: " + net + " is already network " + n.label());
            }
            if (Subnet.parse(n.subnet()).overlaps(net)) {
                throw new CrossnetException("--subnet: " + net + " overlaps " + n.subnet() + " of crossnet network " + n.label());
            }
        }
        store.overlayNetwork().filter(net::overlaps).ifPresent(o -> {
            throw new CrossnetException("--subnet: " + net + " overlaps " + o + ", the flannel Network in the store's config");
        });
        byte[] id = new byte[32];
        new SecureRandom().nextBytes(id);
        return store.createNetwork(new NetworkRecord(HexFormat.of().formatHex(id), name, net.toString(),
                gw.withoutPrefixLength().toCanonicalString(), ipRange, 0, options, attachable, Map.of(), "crossnet", Map.of(),
                "crossnet-cli", clock.instant().toString()));
    }

    /** One line per network: ID, name, subnet, VNI, hosts that have it in their dockerd, endpoints. */
    public String list() {
        StringBuilder sb = new StringBuilder(String.format("%-12s  %-16s  %-18s  %-6s  %-12s  %s%n", "NETWORK ID", "NAME", "SUBNET",
                "VNI", "HOSTS", "CONTAINERS"));
        Map<String, Set<String>> hosts = new TreeMap<>();
        store.attachments().forEach(a -> hosts.computeIfAbsent(a.networkId(), k -> new TreeSet<>()).add(a.host()));
        List<EndpointRecord> eps = store.endpoints(null);
        for (NetworkRecord n : store.networks()) {
            long count = eps.stream().filter(e -> e.networkId().equals(n.id())).count();
            sb.append(String.format("%-12s  %-16s  %-18s  %-6d  %-12s  %d%n", n.id().substring(0, 12), n.label(), n.subnet(), n.vni(),
                    String.join(",", hosts.getOrDefault(n.id(), Set.of())), count));
        }
        return sb.toString();
    }

    /** {@code docker network inspect} of a Swarm overlay, for the whole cluster: every container on every host, and the peers. */
    public String inspect(String ref) {
        NetworkRecord n = find(ref);
        ObjectNode o = JSON.createObjectNode();
        o.put("Name", n.name());
        o.put("Id", n.id());
        o.put("Created", n.created());
        o.put("Scope", "global");
        o.put("Driver", "crossnet");
        ObjectNode ipam = o.putObject("IPAM");
        ipam.put("Driver", n.ipamDriver());
        ipam.set("Options", JSON.valueToTree(n.ipamOptions()));
        ObjectNode cfg = ipam.putArray("Config").addObject();
        cfg.put("Subnet", n.subnet());
        if (!n.ipRange().isEmpty()) {
            cfg.put("IPRange", n.ipRange());
        }
        cfg.put("Gateway", n.gateway());
        o.put("Attachable", n.attachable());
        ObjectNode containers = o.putObject("Containers");
        Map<String, String> peers = new TreeMap<>();
        for (EndpointRecord e : store.endpoints(n.id())) {
            ObjectNode c = containers.putObject(e.endpointId());
            c.put("Name", e.container());
            c.put("Host", e.host());
            c.put("MacAddress", e.mac());
            c.put("IPv4Address", e.address());
            peers.put(e.host(), e.hostIp());
        }
        Map<String, String> options = new TreeMap<>(n.options());
        options.put("com.docker.network.driver.overlay.vxlanid_list", Integer.toString(n.vni()));
        o.set("Options", JSON.valueToTree(options));
        o.set("Labels", JSON.valueToTree(n.labels()));
        ArrayNode p = o.putArray("Peers");
        peers.forEach((h, ip) -> p.addObject().put("Name", h).put("IP", ip));
        o.put("VNI", n.vni());
        o.put("CreatedBy", n.createdBy());
        try {
            return JSON.writeValueAsString(JSON.createArrayNode().add(o));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Removes a network from the cluster; agents remove it from their dockerd.
     *
     * @throws CrossnetException while any host has a container on it, naming the hosts
     */
    public NetworkRecord remove(String ref) {
        NetworkRecord n = find(ref);
        Set<String> hosts = store.endpoints(n.id()).stream().map(EndpointRecord::host).collect(Collectors.toCollection(TreeSet::new));
        if (!hosts.isEmpty()) {
            throw new CrossnetException("network " + n.label() + " has active endpoints on host" + (hosts.size() > 1 ? "s " : " ")
                    + String.join(", ", hosts) + "; remove those containers first");
        }
        store.deleteNetwork(n);
        return n;
    }

    private NetworkRecord find(String ref) {
        List<NetworkRecord> all = store.networks();
        return all.stream().filter(n -> n.name().equals(ref)).findFirst()
                .or(() -> all.stream().filter(n -> ref.length() >= 3 && n.id().startsWith(ref)).findFirst())
                .orElseThrow(() -> new CrossnetException("no crossnet network \"" + ref + "\" (see crossnet network ls)"));
    }
}

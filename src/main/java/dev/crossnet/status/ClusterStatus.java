package dev.crossnet.status;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.crossnet.CrossnetException;
import java.util.List;
import java.util.Map;

/**
 * The cluster as one host sees it: what {@code crossnet status --json} prints and the dashboard serves
 * (the README's "crossnet status"). Built from the store alone by {@link ClusterStatusReader}, so any
 * host can build it; "reachable" and "rttMs" are what each host's own agent measured ({@link HostReport}).
 * Field names are fixed: fields may be added, none removed or renamed. Times are ISO-8601 UTC strings, null
 * when unknown. Immutable records; lists and maps are copied.
 *
 * @param takenAt  when this document was built
 * @param from     the host that built it ({@code ""} if none)
 * @param store    the store it was read from and whether that worked
 * @param network  the flannel network config, null if the store has none
 * @param hosts    every host known to the store (a lease, an agent record or a report), sorted by name
 * @param networks the Docker networks, sorted by name
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ClusterStatus(String takenAt, String from, StoreHealth store, Overlay network, List<Host> hosts,
                            List<DockerNetwork> networks) {

    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .setSerializationInclusion(JsonInclude.Include.ALWAYS);

    public ClusterStatus {
        from = from == null ? "" : from;
        hosts = hosts == null ? List.of() : List.copyOf(hosts);
        networks = networks == null ? List.of() : List.copyOf(networks);
    }

    /**
     * @param kind      {@code etcd} or {@code embedded}
     * @param endpoints the etcd endpoints, or the embedded store's file
     * @param error     why the store could not be read, null when healthy
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record StoreHealth(String kind, List<String> endpoints, boolean healthy, String error) {
        public StoreHealth {
            endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
        }
    }

    /** The flannel network: {@code Network} and {@code Backend.Type} of the config. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Overlay(String cidr, String backend) {
    }

    /**
     * One host.
     *
     * @param publicIp its underlay address (the lease's PublicIP), null if unknown
     * @param subnet   its lease, null if it holds none
     * @param backend  the backend of its lease or report, null if unknown
     * @param mode     backend-specific settings in force, e.g. {@code {"offloads":"on"}}; never null
     * @param agent    its agent's state; {@code ready} is false once its alive key is gone
     * @param peers    the other hosts as probed by THIS host's agent over the overlay (empty if it has no report)
     * @param errors   what its agent currently fails to do (records skipped, objects failing to reconcile)
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Host(String name, String publicIp, String subnet, String backend, Map<String, String> mode, AgentState agent,
                       List<Peer> peers, List<Problem> errors) {
        public Host {
            mode = mode == null ? Map.of() : Map.copyOf(mode);
            peers = peers == null ? List.of() : List.copyOf(peers);
            errors = errors == null ? List.of() : List.copyOf(errors);
        }
    }

    /**
     * A host's agent.
     *
     * @param ready    its alive key exists and it says it is ready
     * @param state    {@code ready}, {@code not ready}, {@code stopped}, {@code down} or {@code none} (never reported)
     * @param why      why it is not ready, else null
     * @param since    since when it is in {@code state}, null if unknown
     * @param lastSeen when its report was last written, null without a report
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record AgentState(boolean ready, String state, String why, String since, String lastSeen) {
    }

    /**
     * One peer as probed by the host that lists it.
     *
     * @param name      the peer's host name (its PublicIP when no host name is known)
     * @param reachable whether its last probe over the overlay was answered
     * @param rttMs     the round-trip time of the last answered probe in milliseconds, null if none yet
     * @param lastProbe when the last probe was sent, null if none yet
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Peer(String name, String publicIp, String subnet, boolean reachable, Double rttMs, String lastProbe) {
        /** The same peer under {@code newName}. */
        public Peer named(String newName) {
            return new Peer(newName, publicIp, subnet, reachable, rttMs, lastProbe);
        }
    }

    /**
     * One thing an agent currently fails to do.
     *
     * @param kind    what part of the agent reports it, e.g. {@code vxlan}, {@code docker segments}, {@code agent}
     * @param object  the object failing (a record, a kernel entry, a device), or {@code ""} when the message names it
     * @param message the error
     * @param since   when it was first seen, in its current form
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Problem(String kind, String object, String message, String since) {
    }

    /** A Docker network of the crossnet driver with its containers on every host. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record DockerNetwork(String name, String id, String driver, String subnet, boolean encrypted, List<Container> containers) {
        public DockerNetwork {
            containers = containers == null ? List.of() : List.copyOf(containers);
        }
    }

    /** @param name the container's name, or its endpoint id's first 12 characters until its host has read the name */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Container(String name, String host, String ip) {
    }

    /** The host named {@code name}, or null. */
    public Host host(String name) {
        return hosts.stream().filter(h -> h.name().equals(name)).findFirst().orElse(null);
    }

    /** Indented JSON, the document of the contract. */
    public String toJson() {
        try {
            return JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @throws CrossnetException when {@code json} is not such a document */
    public static ClusterStatus fromJson(String json) {
        try {
            return JSON.readValue(json, ClusterStatus.class);
        } catch (JsonProcessingException e) {
            throw new CrossnetException("not a crossnet status document: " + e.getOriginalMessage());
        }
    }

    /** The shared mapper (for the dashboard's server-sent events). */
    public static ObjectMapper mapper() {
        return JSON.copy();
    }
}

package dev.crossnet.docker;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One container's endpoint on a crossnet network, as stored at
 * {@code <prefix>/docker/endpoints/<networkID>/<endpointID>}. Immutable.
 *
 * @param networkId  the cluster-wide network ID (part of the key)
 * @param endpointId Docker's endpoint ID (part of the key)
 * @param host       the host it lives on
 * @param hostIp     that host's underlay address: the vxlan destination for its MAC
 * @param address    IPv4 with prefix, e.g. {@code 192.168.100.2/24}
 * @param mac        e.g. {@code 02:42:c0:a8:64:02}
 * @param iface      the host side of its veth pair, e.g. {@code cnv1a2b3c4d5e}
 * @param container  the container's name once the host has read it from its dockerd, else empty
 */
public record EndpointRecord(@JsonIgnore String networkId,
                             @JsonIgnore String endpointId,
                             @JsonProperty("Host") String host,
                             @JsonProperty("HostIP") String hostIp,
                             @JsonProperty("Address") String address,
                             @JsonProperty("MacAddress") String mac,
                             @JsonProperty("Interface") String iface,
                             @JsonProperty("Container") String container) {

    public EndpointRecord {
        container = container == null ? "" : container;
    }

    public EndpointRecord withKey(String newNetworkId, String newEndpointId) {
        return new EndpointRecord(newNetworkId, newEndpointId, host, hostIp, address, mac, iface, container);
    }

    public EndpointRecord withContainer(String name) {
        return new EndpointRecord(networkId, endpointId, host, hostIp, address, mac, iface, name);
    }

    /** The address without its prefix length. */
    @JsonIgnore
    public String ip() {
        int slash = address.indexOf('/');
        return slash < 0 ? address : address.substring(0, slash);
    }
}

package dev.crossnet.docker;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * A crossnet Docker network as stored at {@code <prefix>/docker/networks/<id>}. Immutable.
 *
 * @param id         the network's cluster-wide ID: the Docker ID on the host that created it, or a
 *                   random one for {@code crossnet network create}; not part of the JSON (it is the key)
 * @param name       the Docker name; empty until the creating host has read it from its dockerd
 *                   (Docker does not pass the name to drivers)
 * @param subnet     e.g. {@code 192.168.100.0/24}
 * @param gateway    e.g. {@code 192.168.100.1}
 * @param ipRange    {@code --ip-range}, or empty
 * @param vni        the network's own VNI, 4096 and up
 * @param options    the driver options ({@code -o}), without crossnet's own
 * @param ipamDriver {@code crossnet}
 * @param createdBy  the host that created it, or {@code crossnet-cli}
 */
public record NetworkRecord(@JsonIgnore String id,
                            @JsonProperty("Name") String name,
                            @JsonProperty("Subnet") String subnet,
                            @JsonProperty("Gateway") String gateway,
                            @JsonProperty("IPRange") String ipRange,
                            @JsonProperty("VNI") int vni,
                            @JsonProperty("Options") Map<String, String> options,
                            @JsonProperty("Attachable") boolean attachable,
                            @JsonProperty("Labels") Map<String, String> labels,
                            @JsonProperty("IPAMDriver") String ipamDriver,
                            @JsonProperty("IPAMOptions") Map<String, String> ipamOptions,
                            @JsonProperty("CreatedBy") String createdBy,
                            @JsonProperty("Created") String created) {

    public NetworkRecord {
        name = name == null ? "" : name;
        ipRange = ipRange == null ? "" : ipRange;
        options = options == null ? Map.of() : Map.copyOf(options);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        ipamDriver = ipamDriver == null || ipamDriver.isEmpty() ? "crossnet" : ipamDriver;
        ipamOptions = ipamOptions == null ? Map.of() : Map.copyOf(ipamOptions);
    }

    public NetworkRecord withId(String newId) {
        return new NetworkRecord(newId, name, subnet, gateway, ipRange, vni, options, attachable, labels, ipamDriver,
                ipamOptions, createdBy, created);
    }

    public NetworkRecord withVni(int newVni) {
        return new NetworkRecord(id, name, subnet, gateway, ipRange, newVni, options, attachable, labels, ipamDriver,
                ipamOptions, createdBy, created);
    }

    /** The same network with what the creating host's dockerd knows and the driver was not told. */
    public NetworkRecord published(String newName, String newIpRange, boolean newAttachable, Map<String, String> newLabels,
                                   Map<String, String> newIpamOptions) {
        return new NetworkRecord(id, newName, subnet, gateway, newIpRange, vni, options, newAttachable, newLabels, ipamDriver,
                newIpamOptions, createdBy, created);
    }

    /** Whether other hosts can create it: its name is known. */
    @JsonIgnore
    public boolean isPublished() {
        return !name.isEmpty();
    }

    /** A short form for messages: the name, or the ID's first 12 characters while it has none. */
    @JsonIgnore
    public String label() {
        return name.isEmpty() ? id.substring(0, Math.min(12, id.length())) : name;
    }
}

package dev.crossnet.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Objects;

/**
 * What a host publishes in its lease, with flannel's JSON field names, so that crossnet and a real
 * flanneld can share one etcd: {@code {"PublicIP":"192.168.1.2","BackendType":"vxlan","BackendData":{…}}}.
 * Immutable value: equal when the three fields are (BackendData as JSON trees, so the order of its
 * members does not matter). Thread-safe.
 *
 * <p>An agent keeps every peer's lease, so BackendData is held as its compact JSON text (~80 bytes
 * for vxlan's {@code {"VNI":1,"VtepMAC":"…"}}, where the tree takes ~300) and {@link #backendData()}
 * parses it again on each call: backends read it only when the peers changed.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class LeaseAttrs {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String publicIp;
    private final String backendType;
    /** BackendData as compact JSON, or null when there is none. */
    private final String backendData;

    /**
     * @param publicIp    PublicIP as written, or null
     * @param backendType BackendType as written, or null
     * @param backendData BackendData, or null (JSON null in the store is {@link com.fasterxml.jackson.databind.node.NullNode})
     */
    @JsonCreator
    public LeaseAttrs(@JsonProperty("PublicIP") String publicIp, @JsonProperty("BackendType") String backendType,
                      @JsonProperty("BackendData") JsonNode backendData) {
        this.publicIp = publicIp;
        this.backendType = backendType == null ? null : backendType.intern(); // a handful of names, 1000 leases
        this.backendData = backendData == null ? null : backendData.toString();
    }

    @JsonProperty("PublicIP")
    public String publicIp() {
        return publicIp;
    }

    @JsonProperty("BackendType")
    public String backendType() {
        return backendType;
    }

    /** BackendData, or null: a new tree on each call (callers may not keep it for long or change it). */
    @JsonProperty("BackendData")
    public JsonNode backendData() {
        if (backendData == null) {
            return null;
        }
        try {
            return JSON.readTree(backendData);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("BackendData was written from a JSON tree and reads back: " + backendData, e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LeaseAttrs a && Objects.equals(a.publicIp, publicIp) && Objects.equals(a.backendType, backendType)
                && (Objects.equals(a.backendData, backendData) || Objects.equals(a.backendData(), backendData()));
    }

    @Override
    public int hashCode() {
        return Objects.hash(publicIp, backendType, backendData());
    }

    @Override
    public String toString() {
        return "LeaseAttrs[publicIp=" + publicIp + ", backendType=" + backendType + ", backendData=" + backendData + "]";
    }
}

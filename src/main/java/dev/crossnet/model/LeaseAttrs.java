package dev.crossnet.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a host publishes in its lease, with flannel's JSON field names, so that crossnet and a real
 * flanneld can share one etcd: {@code {"PublicIP":"192.168.1.2","BackendType":"vxlan","BackendData":{…}}}.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LeaseAttrs(@JsonProperty("PublicIP") String publicIp,
                         @JsonProperty("BackendType") String backendType,
                         @JsonProperty("BackendData") JsonNode backendData) {
}

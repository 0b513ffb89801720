package dev.crossnet.docker.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * Requests and responses of Docker's remote network driver ({@code /NetworkDriver.*}), one record
 * each, with libnetwork's field names ({@code drivers/remote/api}). Every response carries
 * {@code Err}, empty or absent on success.
 */
public final class NetworkDriverApi {
    private NetworkDriverApi() {
    }

    public static final String IMPLEMENTS = "NetworkDriver";
    public static final String GET_CAPABILITIES = "/NetworkDriver.GetCapabilities";
    public static final String CREATE_NETWORK = "/NetworkDriver.CreateNetwork";
    public static final String DELETE_NETWORK = "/NetworkDriver.DeleteNetwork";
    public static final String ALLOCATE_NETWORK = "/NetworkDriver.AllocateNetwork";
    public static final String FREE_NETWORK = "/NetworkDriver.FreeNetwork";
    public static final String CREATE_ENDPOINT = "/NetworkDriver.CreateEndpoint";
    public static final String ENDPOINT_OPER_INFO = "/NetworkDriver.EndpointOperInfo";
    public static final String DELETE_ENDPOINT = "/NetworkDriver.DeleteEndpoint";
    public static final String JOIN = "/NetworkDriver.Join";
    public static final String LEAVE = "/NetworkDriver.Leave";
    public static final String DISCOVER_NEW = "/NetworkDriver.DiscoverNew";
    public static final String DISCOVER_DELETE = "/NetworkDriver.DiscoverDelete";
    public static final String PROGRAM_EXTERNAL_CONNECTIVITY = "/NetworkDriver.ProgramExternalConnectivity";
    public static final String REVOKE_EXTERNAL_CONNECTIVITY = "/NetworkDriver.RevokeExternalConnectivity";

    /** {@code Scope} and {@code ConnectivityScope}: {@code "local"} or {@code "global"}. */
    public record CapabilitiesResponse(@JsonProperty("Scope") String scope,
                                       @JsonProperty("ConnectivityScope") String connectivityScope,
                                       @JsonProperty("Err") String err) {
    }

    /** One address pool of a network as Docker sends it: CIDR strings, aux addresses by name. */
    public record IpamData(@JsonProperty("AddressSpace") String addressSpace,
                           @JsonProperty("Pool") String pool,
                           @JsonProperty("Gateway") String gateway,
                           @JsonProperty("AuxAddresses") Map<String, String> auxAddresses) {
    }

    public record CreateNetworkRequest(@Required @JsonProperty("NetworkID") String networkId,
                                       @JsonProperty("Options") Map<String, Object> options,
                                       @JsonProperty("IPv4Data") List<IpamData> ipv4Data,
                                       @JsonProperty("IPv6Data") List<IpamData> ipv6Data) {
    }

    public record CreateNetworkResponse(@JsonProperty("Err") String err) {
    }

    public record DeleteNetworkRequest(@Required @JsonProperty("NetworkID") String networkId) {
    }

    public record DeleteNetworkResponse(@JsonProperty("Err") String err) {
    }

    /** Swarm-scope allocation on a manager; options flow on to every agent's CreateNetwork. */
    public record AllocateNetworkRequest(@Required @JsonProperty("NetworkID") String networkId,
                                         @JsonProperty("Options") Map<String, String> options,
                                         @JsonProperty("IPv4Data") List<IpamData> ipv4Data,
                                         @JsonProperty("IPv6Data") List<IpamData> ipv6Data) {
    }

    public record AllocateNetworkResponse(@JsonProperty("Options") Map<String, String> options,
                                          @JsonProperty("Err") String err) {
    }

    public record FreeNetworkRequest(@Required @JsonProperty("NetworkID") String networkId) {
    }

    public record FreeNetworkResponse(@JsonProperty("Err") String err) {
    }

    /** An endpoint's addresses: CIDR strings and a MAC, any of them empty when not yet chosen. */
    public record EndpointInterface(@JsonProperty("Address") String address,
                                    @JsonProperty("AddressIPv6") String addressIpv6,
                                    @JsonProperty("MacAddress") String macAddress) {
    }

    public record CreateEndpointRequest(@Required @JsonProperty("NetworkID") String networkId,
                                        @Required @JsonProperty("EndpointID") String endpointId,
                                        @JsonProperty("Interface") EndpointInterface iface,
                                        @JsonProperty("Options") Map<String, Object> options) {
    }

    /** {@code Interface} only when the driver chose what Docker left empty (e.g. the MAC). */
    public record CreateEndpointResponse(@JsonProperty("Interface") EndpointInterface iface,
                                         @JsonProperty("Err") String err) {
    }

    public record EndpointInfoRequest(@Required @JsonProperty("NetworkID") String networkId,
                                      @Required @JsonProperty("EndpointID") String endpointId) {
    }

    public record EndpointInfoResponse(@JsonProperty("Value") Map<String, Object> value,
                                       @JsonProperty("Err") String err) {
    }

    public record DeleteEndpointRequest(@Required @JsonProperty("NetworkID") String networkId,
                                        @Required @JsonProperty("EndpointID") String endpointId) {
    }

    public record DeleteEndpointResponse(@JsonProperty("Err") String err) {
    }

    public record JoinRequest(@Required @JsonProperty("NetworkID") String networkId,
                              @Required @JsonProperty("EndpointID") String endpointId,
                              @Required @JsonProperty("SandboxKey") String sandboxKey,
                              @JsonProperty("Options") Map<String, Object> options) {
    }

    /** The host-side interface Docker moves into the sandbox and renames to {@code DstPrefix}N. */
    public record InterfaceName(@JsonProperty("SrcName") String srcName,
                                @JsonProperty("DstPrefix") String dstPrefix) {
    }

    /** {@code RouteType} 0 = via {@code NextHop}, 1 = connected (on-link, no next hop). */
    public record StaticRoute(@JsonProperty("Destination") String destination,
                              @JsonProperty("RouteType") int routeType,
                              @JsonProperty("NextHop") String nextHop) {
    }

    public record JoinResponse(@JsonProperty("InterfaceName") InterfaceName interfaceName,
                               @JsonProperty("Gateway") String gateway,
                               @JsonProperty("GatewayIPv6") String gatewayIpv6,
                               @JsonProperty("StaticRoutes") List<StaticRoute> staticRoutes,
                               @JsonProperty("DisableGatewayService") boolean disableGatewayService,
                               @JsonProperty("Err") String err) {
    }

    public record LeaveRequest(@Required @JsonProperty("NetworkID") String networkId,
                               @Required @JsonProperty("EndpointID") String endpointId) {
    }

    public record LeaveResponse(@JsonProperty("Err") String err) {
    }

    public record ProgramExternalConnectivityRequest(@Required @JsonProperty("NetworkID") String networkId,
                                                     @Required @JsonProperty("EndpointID") String endpointId,
                                                     @JsonProperty("Options") Map<String, Object> options) {
    }

    public record ProgramExternalConnectivityResponse(@JsonProperty("Err") String err) {
    }

    public record RevokeExternalConnectivityRequest(@Required @JsonProperty("NetworkID") String networkId,
                                                    @Required @JsonProperty("EndpointID") String endpointId) {
    }

    public record RevokeExternalConnectivityResponse(@JsonProperty("Err") String err) {
    }

    /** {@code DiscoveryType} 1 = node discovery, 2 = encryption keys; the data's shape follows it. */
    public record DiscoveryNotification(@JsonProperty("DiscoveryType") int discoveryType,
                                        @JsonProperty("DiscoveryData") Object discoveryData) {
    }

    public record DiscoveryResponse(@JsonProperty("Err") String err) {
    }
}

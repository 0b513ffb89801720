package dev.crossnet.docker.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * Requests and responses of Docker's remote IPAM driver ({@code /IpamDriver.*}), one record each,
 * with libnetwork's field names ({@code ipams/remote/api}). Note that libnetwork names the IPAM
 * error field {@code Error}, not {@code Err} as in the network driver; error answers from the
 * dispatcher carry {@code Err} with a non-200 status, which Docker reads for both.
 */
public final class IpamApi {
    private IpamApi() {
    }

    public static final String IMPLEMENTS = "IpamDriver";
    public static final String GET_CAPABILITIES = "/IpamDriver.GetCapabilities";
    public static final String GET_DEFAULT_ADDRESS_SPACES = "/IpamDriver.GetDefaultAddressSpaces";
    public static final String REQUEST_POOL = "/IpamDriver.RequestPool";
    public static final String RELEASE_POOL = "/IpamDriver.ReleasePool";
    public static final String REQUEST_ADDRESS = "/IpamDriver.RequestAddress";
    public static final String RELEASE_ADDRESS = "/IpamDriver.ReleaseAddress";

    /** Option key in {@link RequestAddressRequest#options()} naming what the address is for. */
    public static final String REQUEST_ADDRESS_TYPE = "RequestAddressType";
    /** Value of {@link #REQUEST_ADDRESS_TYPE} when Docker asks for the network's gateway. */
    public static final String GATEWAY_TYPE = "com.docker.network.gateway";

    public record CapabilitiesResponse(@JsonProperty("RequiresMACAddress") boolean requiresMacAddress,
                                       @JsonProperty("RequiresRequestReplay") boolean requiresRequestReplay,
                                       @JsonProperty("Error") String error) {
    }

    public record AddressSpacesResponse(@JsonProperty("LocalDefaultAddressSpace") String localDefaultAddressSpace,
                                        @JsonProperty("GlobalDefaultAddressSpace") String globalDefaultAddressSpace,
                                        @JsonProperty("Error") String error) {
    }

    /** {@code Pool} is {@code --subnet}, {@code SubPool} is {@code --ip-range}, {@code Options} is {@code --ipam-opt}. */
    public record RequestPoolRequest(@JsonProperty("AddressSpace") String addressSpace,
                                     @JsonProperty("Pool") String pool,
                                     @JsonProperty("SubPool") String subPool,
                                     @JsonProperty("Options") Map<String, String> options,
                                     @JsonProperty("V6") boolean v6) {
    }

    public record RequestPoolResponse(@JsonProperty("PoolID") String poolId,
                                      @JsonProperty("Pool") String pool,
                                      @JsonProperty("Data") Map<String, String> data,
                                      @JsonProperty("Error") String error) {
    }

    public record ReleasePoolRequest(@Required @JsonProperty("PoolID") String poolId) {
    }

    public record ReleasePoolResponse(@JsonProperty("Error") String error) {
    }

    /** {@code Address} is a bare IP ({@code --ip}, {@code --gateway}) or empty for any. */
    public record RequestAddressRequest(@Required @JsonProperty("PoolID") String poolId,
                                        @JsonProperty("Address") String address,
                                        @JsonProperty("Options") Map<String, String> options) {
    }

    /** {@code Address} in CIDR form, e.g. {@code 192.168.100.2/24}. */
    public record RequestAddressResponse(@JsonProperty("Address") String address,
                                         @JsonProperty("Data") Map<String, String> data,
                                         @JsonProperty("Error") String error) {
    }

    public record ReleaseAddressRequest(@Required @JsonProperty("PoolID") String poolId,
                                        @Required @JsonProperty("Address") String address) {
    }

    public record ReleaseAddressResponse(@JsonProperty("Error") String error) {
    }
}

package dev.crossnet.docker;

import dev.crossnet.docker.api.IpamApi;
import dev.crossnet.docker.api.PluginDispatcher;
import dev.crossnet.ipam.AddressKind;
import dev.crossnet.ipam.Ipam;
import dev.crossnet.ipam.PoolClaim;
import java.util.Map;

/**
 * Docker's remote IPAM driver ({@code --ipam-driver crossnet}) on a cluster-wide {@link Ipam}.
 *
 * <p>{@code --subnet} is required; {@code --ip-range} narrows automatic allocation;
 * {@code --ipam-opt pool=NAME} names the pool, so the same subnet and name on several hosts is one
 * pool whose addresses never collide. {@code --gateway} (or, without it, the pool's first free
 * address) is the pool's shared gateway. Stateless apart from the {@link Ipam}; thread-safe.
 */
public final class IpamHandler {
    /** The {@code --ipam-opt} key that names the pool. */
    public static final String POOL_OPTION = "pool";
    static final String LOCAL_SPACE = "CrossnetLocal";
    static final String GLOBAL_SPACE = "CrossnetGlobal";

    private final Ipam ipam;

    public IpamHandler(Ipam ipam) {
        this.ipam = ipam;
    }

    /** Adds the {@code /IpamDriver.*} routes to {@code dispatcher} and declares {@code IpamDriver}. */
    public PluginDispatcher register(PluginDispatcher dispatcher) {
        return dispatcher.implement(IpamApi.IMPLEMENTS)
                .route(IpamApi.GET_CAPABILITIES, Object.class,
                        req -> new IpamApi.CapabilitiesResponse(false, false, null))
                .route(IpamApi.GET_DEFAULT_ADDRESS_SPACES, Object.class,
                        req -> new IpamApi.AddressSpacesResponse(LOCAL_SPACE, GLOBAL_SPACE, null))
                .route(IpamApi.REQUEST_POOL, IpamApi.RequestPoolRequest.class, this::requestPool)
                .route(IpamApi.RELEASE_POOL, IpamApi.ReleasePoolRequest.class, req -> {
                    ipam.releasePool(req.poolId());
                    return new IpamApi.ReleasePoolResponse(null);
                })
                .route(IpamApi.REQUEST_ADDRESS, IpamApi.RequestAddressRequest.class, this::requestAddress)
                .route(IpamApi.RELEASE_ADDRESS, IpamApi.ReleaseAddressRequest.class, req -> {
                    ipam.releaseAddress(req.poolId(), req.address());
                    return new IpamApi.ReleaseAddressResponse(null);
                });
    }

    private IpamApi.RequestPoolResponse requestPool(IpamApi.RequestPoolRequest req) {
        Map<String, String> options = req.options() == null ? Map.of() : req.options();
        PoolClaim claim = ipam.requestPool(options.get(POOL_OPTION), req.pool(), req.subPool(), req.v6());
        return new IpamApi.RequestPoolResponse(claim.id(), claim.subnet().toString(), Map.of(), null);
    }

    private IpamApi.RequestAddressResponse requestAddress(IpamApi.RequestAddressRequest req) {
        Map<String, String> options = req.options() == null ? Map.of() : req.options();
        AddressKind kind = IpamApi.GATEWAY_TYPE.equals(options.get(IpamApi.REQUEST_ADDRESS_TYPE))
                ? AddressKind.GATEWAY : AddressKind.CONTAINER;
        return new IpamApi.RequestAddressResponse(ipam.requestAddress(req.poolId(), req.address(), kind), Map.of(), null);
    }
}

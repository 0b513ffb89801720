package dev.crossnet.ipam;

/**
 * Address pools shared by every host of the cluster.
 *
 * <p>A pool is identified by its name and subnet. Each {@link #requestPool} is one claim on it (one
 * Docker network on one host) and returns that claim's ID; addresses are unique across the whole
 * subnet whatever the claim's range. The network and broadcast addresses of an IPv4 subnet shorter
 * than /31 are never handed out (for IPv6, the subnet-router anycast address is not). Automatic
 * allocation picks the lowest free address of the claim's range.
 *
 * <p>All methods block, are thread-safe and safe across processes and hosts sharing one store.
 * Failures that the caller can fix throw {@link IpamException} with a message naming the pool,
 * address or option; nothing is left half-written when they do. Arguments are non-null unless said.
 */
public interface Ipam {

    /** The pool name used when the request names none. */
    String DEFAULT_POOL_NAME = "default";

    /**
     * Claims the pool {@code name}/{@code subnet}, creating it if it is new.
     *
     * @param name   pool name, letters, digits, {@code . _ -}; null or empty means {@link #DEFAULT_POOL_NAME}
     * @param subnet CIDR, e.g. {@code 192.168.100.0/24}; required
     * @param range  CIDR inside {@code subnet} to allocate from, or null/empty for the whole subnet
     * @param v6     whether Docker asked for an IPv6 pool; must match the subnet's family
     * @throws IpamException on a malformed or conflicting request (a different subnet of the same
     *                       name overlapping this one)
     */
    PoolClaim requestPool(String name, String subnet, String range, boolean v6);

    /**
     * Ends a claim. When it was the pool's last claim the pool and its gateway addresses are freed.
     *
     * @throws IpamException if {@code poolId} names no claim
     */
    void releasePool(String poolId);

    /**
     * Allocates an address.
     *
     * @param preferred a specific address ({@code --ip}, {@code --gateway}), or null/empty for any
     * @param kind      {@link AddressKind#GATEWAY} for the network's gateway: asking for any
     *                  gateway returns the pool's existing one if it has one, and one gateway
     *                  address is shared by all claims
     * @return the address with the subnet's prefix length, e.g. {@code 192.168.100.2/24}
     * @throws IpamException if the pool ID is unknown, the preferred address is outside the subnet,
     *                       reserved or taken (the message names it), or the range is exhausted
     */
    String requestAddress(String poolId, String preferred, AddressKind kind);

    /**
     * Frees a container address of this host. Idempotent: an address that is not allocated, or is
     * another host's, is ignored. A gateway address is not freed here (other hosts share it) but
     * with the pool's last claim.
     *
     * @throws IpamException if the pool ID is unknown or the address is not in its subnet
     */
    void releaseAddress(String poolId, String address);
}

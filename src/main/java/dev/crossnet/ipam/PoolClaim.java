package dev.crossnet.ipam;

import dev.crossnet.model.Subnet;

/**
 * One host's use of a pool, as returned by {@link Ipam#requestPool}: what Docker calls a pool ID.
 *
 * @param id     the pool ID to hand back on every later call, e.g. {@code shared-192.168.100.0-24@3f2a9c01d4e5}
 * @param name   the pool name ({@code --ipam-opt pool=NAME}); the same name and subnet on two hosts is one pool
 * @param subnet the whole subnet; addresses are unique across it
 * @param range  where automatic allocation picks from ({@code --ip-range}); the subnet when none was given
 */
public record PoolClaim(String id, String name, Subnet subnet, Subnet range) {
}

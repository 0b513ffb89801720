/**
 * The Linux implementation of {@code dev.crossnet.kernel}. Reads go through rtnetlink: one
 * {@code NETLINK_ROUTE} socket per namespace ({@code NetlinkSocket}), the wire format in {@code Rtnl}
 * and one reader per table ({@code RtnlRoutes}, {@code RtnlNeighbours} for neighbours and the FDB,
 * {@code RtnlLinks}); an unchanged table reads as the same immutable list ({@code ParseCache}), so
 * callers skip rebuilding what did not change. Writes go through iproute2 in batch mode ({@code ip
 * [-force] -batch -}, {@code bridge [-force] -batch -}, one process per batch; see {@code Batch}), the
 * firewall through {@code iptables-save -c} and {@code iptables-restore --noflush}, sysctls through
 * {@code /proc/sys}. Everything can target a named network namespace. Nothing here decides what
 * should exist; that is the backends' job.
 */
package dev.crossnet.kernel.linux;

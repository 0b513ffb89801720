/**
 * Data-plane backends, one small package each ({@code vxlan}, {@code hostgw}, {@code udp}). A
 * {@link dev.crossnet.backend.Backend} prepares a host and returns a {@link dev.crossnet.backend.Network};
 * the agent feeds the network the current set of peer leases and the network programs the kernel.
 * Backends never read the store themselves.
 */
package dev.crossnet.backend;

/**
 * Data-plane backends, one small package each ({@code vxlan}, {@code hostgw}, {@code udp}). A
 * {@link dev.crossnet.backend.Backend} prepares a host and returns a {@link dev.crossnet.backend.Network};
 * the agent feeds the network the current set of peer leases, on the reconcile loop's thread, and
 * the network programs the kernel through {@link dev.crossnet.reconcile.KernelWriter} (the udp
 * backend, through its own datapath). Backends never read the store themselves.
 */
package dev.crossnet.backend;

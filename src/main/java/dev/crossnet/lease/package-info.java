/**
 * Subnet leases: {@link dev.crossnet.lease.LeaseRegistry} reads and writes config and leases in the
 * store (flannel's registry), {@link dev.crossnet.lease.SubnetManager} decides which subnet a host
 * gets (flannel's local manager), {@link dev.crossnet.lease.LeaseWatcher} turns store changes into
 * lease events, and {@link dev.crossnet.lease.LeaseRenewer} keeps the host's lease alive. Time is
 * injected as a {@link java.time.Clock}.
 */
package dev.crossnet.lease;

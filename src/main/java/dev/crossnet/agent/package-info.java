/**
 * The per-host agent: the one place that wires the store, lease manager, backend and firewall
 * together and owns the threads. It leases a subnet, writes subnet.env and the docker options,
 * watches the peers and reconciles the kernel. Leaving (SIGTERM) keeps kernel state and the lease.
 */
package dev.crossnet.agent;

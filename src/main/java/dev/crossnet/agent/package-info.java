/**
 * The per-host agent: the one place that chooses implementations and starts threads ({@link
 * dev.crossnet.agent.AgentRuntime}), wiring the store, lease manager, backend, firewall and Docker
 * plugins onto one {@link dev.crossnet.reconcile.ReconcileLoop}. It leases a subnet, writes
 * subnet.env and the docker options, watches the peers and reconciles the kernel. Leaving (SIGTERM)
 * keeps kernel state and the lease. {@code cli} only parses flags.
 */
package dev.crossnet.agent;

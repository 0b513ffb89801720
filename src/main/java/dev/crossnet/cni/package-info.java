/**
 * The {@code crossnet} CNI plugin: what a container runtime (podman, containerd, CRI-O) executes to
 * give a container an address in this host's crossnet subnet. Like flannel's CNI plugin it reads
 * the agent's {@code subnet.env} and delegates to the standard {@code bridge} plugin with
 * {@code host-local} IPAM. One short-lived process per call: no threads, no logging framework, no
 * store access; everything it needs is in {@code subnet.env} and its own per-container records.
 */
package dev.crossnet.cni;

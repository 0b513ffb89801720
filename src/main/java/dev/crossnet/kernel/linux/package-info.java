/**
 * The Linux implementation of {@code dev.crossnet.kernel}: iproute2 in batch mode ({@code ip [-force] -batch -},
 * {@code bridge [-force] -batch -}, one process per batch; see {@code Batch}) for writes, {@code ip -j} / {@code bridge -j}
 * parsed with Jackson for reads, {@code iptables-restore --noflush} for the firewall and
 * {@code /proc/sys} for sysctls. Everything can target a named network namespace. Nothing here
 * decides what should exist; that is the backends' job.
 */
package dev.crossnet.kernel.linux;

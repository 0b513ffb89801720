/**
 * The Linux implementation of {@code dev.crossnet.kernel}: iproute2 in batch mode ({@code ip -batch -},
 * {@code bridge -batch -}, one process per batch) for writes, {@code ip -j} / {@code bridge -j}
 * parsed with Jackson for reads, {@code iptables-restore --noflush} for the firewall and
 * {@code /proc/sys} for sysctls. Everything can target a named network namespace. Nothing here
 * decides what should exist; that is the backends' job.
 */
package dev.crossnet.kernel.linux;

/**
 * The {@code udp} backend: crossnet's userspace datapath, wire-compatible with flannel's udp
 * backend (the bare inner IP packet as the payload of a UDP datagram, port 8285). The packet logic
 * (forwarding table, receive-path validation, the two copy loops, TSO splitting and TCP
 * coalescing for the offload mode) is pure and runs over the {@code tun} and {@code udp} seams;
 * only {@link dev.crossnet.backend.udp.UdpNetwork} opens kernel objects.
 */
package dev.crossnet.backend.udp;

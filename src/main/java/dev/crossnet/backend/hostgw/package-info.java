/**
 * The host-gw backend: one plain route per peer through the peer's PublicIP, for hosts that share one
 * L2 network. No encapsulation, no devices of its own.
 */
package dev.crossnet.backend.hostgw;

/**
 * The vxlan backend: one kernel vxlan device per network, with static neighbour, FDB and route
 * entries per peer (no learning, no multicast), wire-compatible with flannel's vxlan backend.
 */
package dev.crossnet.backend.vxlan;

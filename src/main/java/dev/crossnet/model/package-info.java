/**
 * Value types shared by every layer: network config, subnets, leases and lease events. Immutable
 * values: records, or final classes where an agent keeps thousands and holds them compactly
 * ({@code Subnet}, {@code LeaseAttrs}, {@code Ipv4Set}); nothing here does I/O or holds mutable state.
 */
package dev.crossnet.model;

/**
 * Value types shared by every layer: network config, subnets, leases and lease events. Records
 * only; nothing here does I/O or holds mutable state.
 */
package dev.crossnet.model;

/**
 * Idempotent verbs on kernel networking state, one small interface per domain noun ({@link
 * dev.crossnet.kernel.Links}, {@link dev.crossnet.kernel.Routes}, {@link dev.crossnet.kernel.Neighbours},
 * {@link dev.crossnet.kernel.Fdb}, {@link dev.crossnet.kernel.Firewall}, {@link dev.crossnet.kernel.Sysctl}),
 * reached through the {@link dev.crossnet.kernel.Kernel} facade, plus the value records they take.
 * Nothing here knows about leases or backends; the mechanism lives in {@code kernel.linux}.
 */
package dev.crossnet.kernel;

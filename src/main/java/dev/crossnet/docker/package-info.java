/**
 * Docker integration: the handlers that turn Docker's plugin calls into calls on crossnet's own
 * layers ({@link dev.crossnet.docker.IpamHandler} onto {@link dev.crossnet.ipam.Ipam}). Wire
 * records are in {@code docker.api}, the socket in {@code docker.plugin}, the per-host daemons of
 * the lab in {@code docker.lab}.
 */
package dev.crossnet.docker;

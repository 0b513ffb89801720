/**
 * The userspace datapath's socket seam, after wireguard-go's {@code conn.Bind}: {@link
 * dev.crossnet.udp.Bind} sends and receives batches of UDP datagrams with IPv4 endpoints packed in
 * a {@code long} ({@link dev.crossnet.udp.Endpoints}); {@link dev.crossnet.udp.LinuxUdp} does it
 * with {@code recvmmsg}/{@code sendmmsg}. No packet logic lives here.
 */
package dev.crossnet.udp;

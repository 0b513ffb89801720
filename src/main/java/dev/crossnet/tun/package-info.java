/**
 * The userspace datapath's device seam, after wireguard-go's {@code tun.Device}: {@link
 * dev.crossnet.tun.TunDevice} reads and writes batches of IP packets (optionally behind a
 * {@code virtio_net_hdr}, for TSO offloads), {@link dev.crossnet.tun.LinuxTun} does it on
 * {@code /dev/net/tun}. No packet logic lives here; a channel
 * fake ({@code ChannelTun}, in the tests) stands in for the kernel.
 */
package dev.crossnet.tun;

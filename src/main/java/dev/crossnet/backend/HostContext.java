package dev.crossnet.backend;

import dev.crossnet.model.Subnet;
import inet.ipaddr.IPAddress;
import java.nio.file.Path;

/**
 * What a backend knows about the host it runs on.
 *
 * @param iface       the underlay interface name, e.g. {@code eth0}
 * @param ifaceIndex  its kernel ifindex
 * @param publicIp    the address peers reach this host at (published as the lease's PublicIP)
 * @param ifaceSubnet the on-link subnet of {@code publicIp} on {@code iface} (for direct routing checks)
 * @param ifaceMtu    the underlay MTU
 * @param stateDir    a directory the backend may keep small state files in (e.g. a stable VTEP MAC)
 */
public record HostContext(String iface, int ifaceIndex, IPAddress publicIp, Subnet ifaceSubnet, int ifaceMtu,
                          Path stateDir) {
}

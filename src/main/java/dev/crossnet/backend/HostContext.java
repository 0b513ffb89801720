package dev.crossnet.backend;

import dev.crossnet.model.Subnet;
import inet.ipaddr.IPAddress;
import java.nio.file.Path;

/**
 * This host, as both control paths know it: the one record of "this host" (the flannel backends and
 * the Docker network driver read the same one).
 *
 * @param iface       the underlay interface name, e.g. {@code eth0}
 * @param ifaceIndex  its kernel ifindex
 * @param publicIp    the address peers reach this host at (published as the lease's PublicIP)
 * @param ifaceSubnet the on-link subnet of {@code publicIp} on {@code iface} (for direct routing checks)
 * @param ifaceMtu    the underlay MTU
 * @param stateDir    a directory the backend may keep small state files in (e.g. a stable VTEP MAC)
 * @param name        this host's name in the store (its Docker endpoints and IPAM claims; {@code --host-name})
 */
public record HostContext(String iface, int ifaceIndex, IPAddress publicIp, Subnet ifaceSubnet, int ifaceMtu,
                          Path stateDir, String name) {

    /** A host not yet named: its name is its PublicIP until {@link #withName}. */
    public HostContext(String iface, int ifaceIndex, IPAddress publicIp, Subnet ifaceSubnet, int ifaceMtu, Path stateDir) {
        this(iface, ifaceIndex, publicIp, ifaceSubnet, ifaceMtu, stateDir, publicIp.withoutPrefixLength().toCanonicalString());
    }

    /** This host under {@code newName}. */
    public HostContext withName(String newName) {
        return new HostContext(iface, ifaceIndex, publicIp, ifaceSubnet, ifaceMtu, stateDir, newName);
    }
}

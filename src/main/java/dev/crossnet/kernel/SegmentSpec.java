package dev.crossnet.kernel;

import inet.ipaddr.IPAddress;

/**
 * One host's piece of an L2 segment stretched across hosts with vxlan, as Swarm's overlay driver
 * builds it: a Linux bridge holding the gateway address, and a vxlan device enslaved to it.
 *
 * @param bridge      bridge name, e.g. {@code cnbr4096}
 * @param vxlan       vxlan device name, e.g. {@code cnvx4096}
 * @param vni         1-16777215
 * @param port        UDP destination port, e.g. 4789
 * @param localIp     the host's underlay address, source of encapsulated packets
 * @param underlayDev the device encapsulated packets leave by, e.g. {@code eth0}
 * @param gateway     the bridge's address with prefix, e.g. {@code 192.168.100.1/24}
 * @param mtu         MTU of the bridge, the vxlan device and every port
 */
public record SegmentSpec(String bridge, String vxlan, int vni, int port, IPAddress localIp, String underlayDev,
                          IPAddress gateway, int mtu) {

    public SegmentSpec {
        Checks.ifname("segment bridge", bridge);
        Checks.ifname("segment vxlan", vxlan);
        Checks.required("segment gateway", gateway);
        if (!gateway.isPrefixed()) {
            throw new IllegalArgumentException("segment gateway " + gateway + " needs a prefix length");
        }
        // Validates VNI, port, local address, device and MTU the same way as a plain vxlan device.
        // (the compact constructor sees parameters; accessors are not assigned yet)
        new VxlanSpec(vxlan, vni, port, localIp, underlayDev, "02:00:00:00:00:00", mtu, false);
    }

    /** The vxlan device as a {@link VxlanSpec} (nolearning; the MAC is the kernel's choice). */
    public VxlanSpec asVxlan() {
        return new VxlanSpec(vxlan, vni, port, localIp, underlayDev, "02:00:00:00:00:00", mtu, false);
    }
}

package dev.crossnet.kernel;

import inet.ipaddr.IPAddress;

/**
 * The vxlan device crossnet wants.
 *
 * @param name        e.g. {@code crossnet.1}
 * @param vni         1-16777215
 * @param port        UDP destination port, e.g. 8472
 * @param localIp     source address of encapsulated packets (the host's PublicIP)
 * @param underlayDev the device encapsulated packets leave by, e.g. {@code eth0}
 * @param mac         the VTEP MAC to give the device when it is created
 * @param mtu         the device MTU
 * @param learning    whether the kernel learns remote MACs from received packets (crossnet: false)
 */
public record VxlanSpec(String name, int vni, int port, IPAddress localIp, String underlayDev, String mac, int mtu,
                        boolean learning) {

    public VxlanSpec {
        Checks.ifname("vxlan name", name);
        if (vni < 1 || vni > 16_777_215) {
            throw new IllegalArgumentException("vxlan vni " + vni + " is out of range 1-16777215");
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("vxlan port " + port + " is out of range 1-65535");
        }
        localIp = Checks.required("vxlan localIp", localIp).withoutPrefixLength();
        Checks.ifname("vxlan underlayDev", underlayDev);
        mac = Checks.mac("vxlan mac", mac);
        if (mtu < 68) {
            throw new IllegalArgumentException("vxlan mtu " + mtu + " is below the IPv4 minimum of 68");
        }
    }
}

package dev.crossnet.kernel;

import inet.ipaddr.IPAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

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

    /**
     * What vxlan encapsulation adds to each packet, so a vxlan device's MTU is the underlay's less
     * this: the one figure for every vxlan device crossnet makes (the flannel network's and each
     * Docker network's).
     */
    public static final int OVERHEAD = 50; // 14 eth + 20 IP + 8 UDP + 8 VXLAN

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

    /** The same spec with another MAC (an adopted device keeps its own). */
    public VxlanSpec withMac(String newMac) {
        return new VxlanSpec(name, vni, port, localIp, underlayDev, newMac, mtu, learning);
    }

    /**
     * What makes an existing device unusable as this spec, one "field HAVE (want WANT)" per
     * difference; empty when it can be adopted. MAC and MTU are not compared: they can be kept or
     * changed without re-creating the device.
     */
    public List<String> differencesFrom(Link link) {
        List<String> d = new ArrayList<>();
        if (!link.kind().equals("vxlan") || link.vxlan() == null) {
            d.add("kind " + (link.kind().isEmpty() ? "(none)" : link.kind()) + " (want vxlan)");
            return d;
        }
        Link.VxlanInfo v = link.vxlan();
        if (v.vni() != vni) {
            d.add("VNI " + v.vni() + " (want " + vni + ")");
        }
        if (v.port() != port) {
            d.add("port " + v.port() + " (want " + port + ")");
        }
        if (!Objects.equals(v.localIp(), localIp)) {
            d.add("local " + (v.localIp() == null ? "(none)" : v.localIp().toCanonicalString())
                    + " (want " + localIp.toCanonicalString() + ")");
        }
        if (!Objects.equals(v.underlayDev(), underlayDev)) {
            d.add("dev " + (v.underlayDev() == null ? "(none)" : v.underlayDev()) + " (want " + underlayDev + ")");
        }
        if (v.learning() != learning) {
            d.add((v.learning() ? "learning" : "nolearning") + " (want " + (learning ? "learning" : "nolearning") + ")");
        }
        return d;
    }
}

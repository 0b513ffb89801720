package dev.crossnet.kernel;

import inet.ipaddr.IPAddress;
import java.util.List;

/**
 * A network device as read from the kernel.
 *
 * @param name      e.g. {@code crossnet.1}
 * @param index     ifindex
 * @param kind      {@code vxlan}, {@code veth}, {@code bridge}…, or empty for a plain device
 * @param mac       lower-case MAC, or empty for devices without one
 * @param mtu       MTU
 * @param up        whether the administrative UP flag is set
 * @param vxlan     vxlan parameters, or null when {@code kind} is not vxlan
 * @param addresses IPv4 and IPv6 addresses with their prefix length, e.g. {@code 10.5.1.0/32}
 */
public record Link(String name, int index, String kind, String mac, int mtu, boolean up, VxlanInfo vxlan,
                   List<IPAddress> addresses) {

    public Link {
        addresses = List.copyOf(addresses);
    }

    /**
     * The vxlan part of a link.
     *
     * @param localIp     null when the device has no {@code local}
     * @param underlayDev null when the device has no {@code dev}
     */
    public record VxlanInfo(int vni, int port, IPAddress localIp, String underlayDev, boolean learning) {
    }
}

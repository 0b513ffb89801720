package dev.crossnet.kernel.linux;

import dev.crossnet.kernel.Link;
import inet.ipaddr.IPAddress;
import inet.ipaddr.ipv4.IPv4Address;
import inet.ipaddr.ipv6.IPv6Address;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Devices from {@code RTM_GETLINK} answers and their addresses from an {@code RTM_GETADDR} dump,
 * as {@link Link}s: what {@code ip -d addr show dev D} shows crossnet (kind, MAC, MTU, UP flag, the
 * vxlan parameters, the addresses). Pure and thread-safe.
 */
final class RtnlLinks {

    private static final int ENODEV = 19;

    private RtnlLinks() {
    }

    /** The device named {@code name}; the kernel answers {@code ENODEV} when there is none. */
    static Rtnl.Request byName(String name) {
        return new Rtnl.Request(Rtnl.RTM_GETLINK, Rtnl.NLM_F_REQUEST, Rtnl.IFINFOMSG_LEN)
                .attrString(Rtnl.IFLA_IFNAME, name);
    }

    /** The device with index {@code ifindex}; {@code ENODEV} when there is none. */
    static Rtnl.Request byIndex(int ifindex) {
        return new Rtnl.Request(Rtnl.RTM_GETLINK, Rtnl.NLM_F_REQUEST, Rtnl.IFINFOMSG_LEN).headerInt(4, ifindex);
    }

    /** Every address of every device, IPv4 and IPv6 (the kernel filters on the index only with strict checking). */
    static Rtnl.Request addressDump() {
        return new Rtnl.Request(Rtnl.RTM_GETADDR, Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_DUMP, Rtnl.IFADDRMSG_LEN);
    }

    /** The device named {@code name} as the kernel answers for it; null when there is none. */
    static ByteBuffer find(NetlinkSocket socket, String name) {
        try {
            return socket.request(byName(name), "read device " + name);
        } catch (NetlinkSocket.NetlinkException e) {
            if (e.errno() == ENODEV) {
                return null;
            }
            throw e;
        }
    }

    /** The ifindex of device {@code name}; 0 when there is none. */
    static int index(NetlinkSocket socket, String name) {
        ByteBuffer reply = find(socket, name);
        return reply == null ? 0 : index(reply);
    }

    /** The name of device {@code ifindex}; {@code ifN} (as iproute2 prints it) when there is none. */
    static String name(NetlinkSocket socket, int ifindex) {
        String name = null;
        try {
            name = name(socket.request(byIndex(ifindex), "read device " + ifindex));
        } catch (NetlinkSocket.NetlinkException e) {
            if (e.errno() != ENODEV) {
                throw e;
            }
        }
        return name == null ? "if" + ifindex : name;
    }

    /** The device named {@code name} with its addresses; null when there is none. */
    static Link link(NetlinkSocket socket, String name) {
        ByteBuffer reply = find(socket, name);
        if (reply == null) {
            return null;
        }
        Link l = link(reply, socket.request(addressDump(), "list the addresses of " + name), i -> name(socket, i));
        return l != null && l.name().equals(name) ? l : null;
    }

    /** The first {@code RTM_NEWLINK} of {@code reply}, positioned; null when there is none. */
    private static Rtnl.Messages first(ByteBuffer reply) {
        Rtnl.Messages m = new Rtnl.Messages(reply);
        while (m.next()) {
            if (m.type() == Rtnl.RTM_NEWLINK && m.bodyLength() >= Rtnl.IFINFOMSG_LEN) {
                return m;
            }
        }
        return null;
    }

    /** The ifindex of the device in {@code reply}; 0 when it holds none. */
    static int index(ByteBuffer reply) {
        Rtnl.Messages m = first(reply);
        return m == null ? 0 : m.s32(4);
    }

    /** The name of the device in {@code reply}; null when it holds none. */
    static String name(ByteBuffer reply) {
        Rtnl.Messages m = first(reply);
        return m == null ? null : m.attrs(Rtnl.IFINFOMSG_LEN).string(Rtnl.IFLA_IFNAME);
    }

    /**
     * The device in {@code link} with its addresses from {@code addresses}, in the dump's order
     * (IPv4 before IPv6); null when {@code link} holds no device.
     *
     * @param names the name of an ifindex, for a vxlan device's underlay device
     */
    static Link link(ByteBuffer link, ByteBuffer addresses, IntFunction<String> names) {
        Rtnl.Messages m = first(link);
        if (m == null) {
            return null;
        }
        int index = m.s32(4);
        boolean up = (m.s32(8) & Rtnl.IFF_UP) != 0;
        Rtnl.Attrs a = m.attrs(Rtnl.IFINFOMSG_LEN);
        byte[] mac = a.bytes(Rtnl.IFLA_ADDRESS);
        Rtnl.Attrs info = a.nested(Rtnl.IFLA_LINKINFO);
        String kind = info == null || info.string(Rtnl.IFLA_INFO_KIND) == null ? "" : info.string(Rtnl.IFLA_INFO_KIND);
        Link.VxlanInfo vxlan = null;
        if (kind.equals("vxlan")) {
            Rtnl.Attrs d = info.nested(Rtnl.IFLA_INFO_DATA);
            if (d == null) {
                d = new Rtnl.Attrs(ByteBuffer.allocate(0), 0, 0);
            }
            byte[] local = d.has(Rtnl.IFLA_VXLAN_LOCAL) ? d.bytes(Rtnl.IFLA_VXLAN_LOCAL) : d.bytes(Rtnl.IFLA_VXLAN_LOCAL6);
            int under = d.u32(Rtnl.IFLA_VXLAN_LINK, 0);
            vxlan = new Link.VxlanInfo(d.u32(Rtnl.IFLA_VXLAN_ID, 0), d.be16(Rtnl.IFLA_VXLAN_PORT, 0), address(local),
                    under == 0 ? null : names.apply(under), d.u8(Rtnl.IFLA_VXLAN_LEARNING, 1) != 0);
        }
        return new Link(a.string(Rtnl.IFLA_IFNAME), index, kind, mac == null ? "" : Rtnl.mac(mac),
                a.u32(Rtnl.IFLA_MTU, 0), up, vxlan, addresses(addresses, index));
    }

    /** The addresses of device {@code index} with their prefix lengths; IFA_LOCAL, or IFA_ADDRESS without it (IPv6). */
    static List<IPAddress> addresses(ByteBuffer reply, int index) {
        List<IPAddress> out = new ArrayList<>();
        Rtnl.Messages m = new Rtnl.Messages(reply);
        while (m.next()) {
            if (m.type() != Rtnl.RTM_NEWADDR || m.bodyLength() < Rtnl.IFADDRMSG_LEN || m.s32(4) != index) {
                continue;
            }
            Rtnl.Attrs a = m.attrs(Rtnl.IFADDRMSG_LEN);
            IPAddress ip = address(a.has(Rtnl.IFA_LOCAL) ? a.bytes(Rtnl.IFA_LOCAL) : a.bytes(Rtnl.IFA_ADDRESS));
            if (ip != null) {
                out.add(ip.setPrefixLength(m.u8(1), false));
            }
        }
        return out;
    }

    /** 4 or 16 raw bytes as an address; null for anything else (absent). */
    private static IPAddress address(byte[] b) {
        if (b == null || (b.length != 4 && b.length != 16)) {
            return null;
        }
        return b.length == 4 ? new IPv4Address(b) : new IPv6Address(b);
    }
}

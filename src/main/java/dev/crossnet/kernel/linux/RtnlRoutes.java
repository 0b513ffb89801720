package dev.crossnet.kernel.linux;

import dev.crossnet.kernel.DeviceRoute;
import dev.crossnet.kernel.Kernel;
import dev.crossnet.kernel.Route;
import dev.crossnet.model.Subnet;
import inet.ipaddr.IPAddress;
import inet.ipaddr.ipv4.IPv4Address;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The IPv4 main table from an {@code RTM_GETROUTE} dump: crossnet's routes (protocol {@link
 * Kernel#ROUTE_PROTOCOL}) and the check for one device route. Pure and thread-safe.
 *
 * <p>Reading is in two steps so that an unchanged table costs no objects: {@link #owned} reduces
 * the dump to a compact form (per route its destination, prefix length, gateway, on-link flag and
 * device name; nothing that changes by itself between two dumps), which callers compare with the
 * last one, and {@link #decode} builds the {@link Route}s only when it differs.
 */
final class RtnlRoutes {

    private RtnlRoutes() {
    }

    /** A dump of every IPv4 route (all tables; the kernel filters on none of them without strict checking). */
    static Rtnl.Request dumpRequest() {
        return new Rtnl.Request(Rtnl.RTM_GETROUTE, Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_DUMP, Rtnl.RTMSG_LEN)
                .headerByte(0, Rtnl.AF_INET);
    }

    /**
     * The compact form of the main table's IPv4 routes with protocol {@link Kernel#ROUTE_PROTOCOL}, a
     * destination other than the default, one gateway and a device, in the dump's order (as {@code
     * ip route show table main proto 152} lists them); others are left out, crossnet never makes them.
     *
     * @param names the device name of an ifindex (called once per distinct index)
     */
    static ByteBuffer owned(ByteBuffer reply, IntFunction<String> names) {
        ByteBuffer out = ByteBuffer.allocate(4096);
        List<Integer> indexes = new ArrayList<>();
        List<byte[]> resolved = new ArrayList<>();
        Rtnl.Messages m = new Rtnl.Messages(reply);
        while (m.next()) {
            if (m.type() != Rtnl.RTM_NEWROUTE || m.bodyLength() < Rtnl.RTMSG_LEN || m.u8(0) != Rtnl.AF_INET) {
                continue;
            }
            Rtnl.Attrs a = m.attrs(Rtnl.RTMSG_LEN);
            int dstLen = m.u8(1);
            if (table(m, a) != Rtnl.RT_TABLE_MAIN || m.u8(5) != Kernel.ROUTE_PROTOCOL || dstLen == 0
                    || a.length(Rtnl.RTA_DST) != 4 || a.length(Rtnl.RTA_GATEWAY) != 4 || !a.has(Rtnl.RTA_OIF)) {
                continue;
            }
            int oif = a.u32(Rtnl.RTA_OIF, 0);
            int i = indexes.indexOf(oif);
            if (i < 0) {
                indexes.add(oif);
                resolved.add(names.apply(oif).getBytes(StandardCharsets.UTF_8));
                i = indexes.size() - 1;
            }
            byte[] name = resolved.get(i);
            if (out.remaining() < 11 + name.length) {
                out = ByteBuffer.allocate(out.capacity() * 2).put(out.flip());
            }
            a.copy(Rtnl.RTA_DST, out, 4);
            out.put((byte) dstLen);
            a.copy(Rtnl.RTA_GATEWAY, out, 4);
            out.put((byte) ((m.s32(8) & Rtnl.RTNH_F_ONLINK) != 0 ? 1 : 0));
            out.put((byte) name.length).put(name);
        }
        return out.flip();
    }

    /** The routes of a compact form made by {@link #owned}. */
    static List<Route> decode(ByteBuffer compact) {
        ByteBuffer b = compact.duplicate().order(ByteOrder.BIG_ENDIAN); // addresses are in network order
        List<Route> routes = new ArrayList<>();
        while (b.hasRemaining()) {
            IPv4Address dst = new IPv4Address(b.getInt(), (int) b.get());
            IPAddress via = new IPv4Address(b.getInt());
            boolean onlink = b.get() != 0;
            byte[] name = new byte[b.get()];
            b.get(name);
            routes.add(new Route(new Subnet(dst.toPrefixBlock()), via, new String(name, StandardCharsets.UTF_8), onlink));
        }
        return List.copyOf(routes);
    }

    /**
     * Whether the dump holds {@code route} exactly: the main table's IPv4 route to its destination
     * with no gateway, its device and preferred source, and protocol {@link Kernel#ROUTE_PROTOCOL}.
     */
    static boolean hasDeviceRoute(ByteBuffer reply, DeviceRoute route, IntFunction<String> names) {
        IPAddress want = route.dst().network();
        if (!want.isIPv4()) {
            return false;
        }
        byte[] dst = want.getBytes();
        byte[] src = route.src().getBytes();
        Rtnl.Messages m = new Rtnl.Messages(reply);
        while (m.next()) {
            if (m.type() != Rtnl.RTM_NEWROUTE || m.bodyLength() < Rtnl.RTMSG_LEN || m.u8(0) != Rtnl.AF_INET) {
                continue;
            }
            Rtnl.Attrs a = m.attrs(Rtnl.RTMSG_LEN);
            if (table(m, a) == Rtnl.RT_TABLE_MAIN && m.u8(1) == route.dst().prefixLength()
                    && Arrays.equals(a.bytes(Rtnl.RTA_DST), route.dst().prefixLength() == 0 ? null : dst)
                    && !a.has(Rtnl.RTA_GATEWAY) && m.u8(5) == Kernel.ROUTE_PROTOCOL
                    && Arrays.equals(a.bytes(Rtnl.RTA_PREFSRC), src)
                    && a.has(Rtnl.RTA_OIF) && route.dev().equals(names.apply(a.u32(Rtnl.RTA_OIF, 0)))) {
                return true;
            }
        }
        return false;
    }

    /** RTA_TABLE when present (tables above 255), else the header's one-byte table. */
    private static int table(Rtnl.Messages m, Rtnl.Attrs a) {
        return a.u32(Rtnl.RTA_TABLE, m.u8(4));
    }
}

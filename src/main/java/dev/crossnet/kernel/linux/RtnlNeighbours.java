package dev.crossnet.kernel.linux;

import dev.crossnet.kernel.FdbEntry;
import dev.crossnet.kernel.Neighbour;
import inet.ipaddr.IPAddress;
import inet.ipaddr.ipv4.IPv4Address;
import inet.ipaddr.ipv6.IPv6Address;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A device's permanent IPv4 neighbours and its vxlan forwarding database from {@code RTM_GETNEIGH}
 * dumps (family {@code AF_INET}, and {@code AF_BRIDGE} for the FDB). Pure and thread-safe.
 *
 * <p>As {@link RtnlRoutes}, in two steps: a compact form of what crossnet reads (neighbour: IPv4
 * address and MAC; FDB entry: MAC and remote address), without the entries' timers and counters,
 * which change by themselves; then the records, only when the compact form is a new one.
 */
final class RtnlNeighbours {

    private static final int MAC_LEN = 6;

    private RtnlNeighbours() {
    }

    /** The IPv4 neighbours of device {@code ifindex} (the kernel filters on {@code NDA_IFINDEX}). */
    static Rtnl.Request neighbourRequest(int ifindex) {
        return new Rtnl.Request(Rtnl.RTM_GETNEIGH, Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_DUMP, Rtnl.NDMSG_LEN)
                .headerByte(0, Rtnl.AF_INET).attrInt(Rtnl.NDA_IFINDEX, ifindex);
    }

    /**
     * The forwarding database of device {@code ifindex}, as {@code bridge fdb show dev D} asks for it:
     * an {@code ifinfomsg} header (not an {@code ndmsg}) whose index names the device; the kernel
     * tells the two apart by the request's length.
     */
    static Rtnl.Request fdbRequest(int ifindex) {
        return new Rtnl.Request(Rtnl.RTM_GETNEIGH, Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_DUMP, Rtnl.IFINFOMSG_LEN)
                .headerByte(0, Rtnl.AF_BRIDGE).headerInt(4, ifindex);
    }

    /** Compact form of the permanent IPv4 neighbours of {@code ifindex} with a 6-byte MAC: 4 + 6 bytes each. */
    static ByteBuffer permanentNeighbours(ByteBuffer reply, int ifindex) {
        Rtnl.Messages m = new Rtnl.Messages(reply);
        ByteBuffer out = ByteBuffer.allocate(reply.remaining() / 4 + 16); // a message is 48 bytes or more, its compact form 10
        while (m.next()) {
            if (m.type() != Rtnl.RTM_NEWNEIGH || m.bodyLength() < Rtnl.NDMSG_LEN || m.u8(0) != Rtnl.AF_INET
                    || m.s32(4) != ifindex || (m.u16(8) & Rtnl.NUD_PERMANENT) == 0) {
                continue;
            }
            Rtnl.Attrs a = m.attrs(Rtnl.NDMSG_LEN);
            if (a.length(Rtnl.NDA_DST) == 4 && a.length(Rtnl.NDA_LLADDR) == MAC_LEN) {
                a.copy(Rtnl.NDA_DST, out, 4);
                a.copy(Rtnl.NDA_LLADDR, out, MAC_LEN);
            }
        }
        return out.flip();
    }

    static List<Neighbour> decodeNeighbours(ByteBuffer compact, String dev) {
        ByteBuffer b = compact.duplicate();
        List<Neighbour> out = new ArrayList<>(b.remaining() / 10);
        byte[] mac = new byte[MAC_LEN];
        while (b.hasRemaining()) {
            IPAddress ip = new IPv4Address(b.getInt());
            b.get(mac);
            out.add(new Neighbour(ip, Rtnl.mac(mac), dev));
        }
        return List.copyOf(out);
    }

    /**
     * Compact form of the permanent unicast entries of {@code ifindex} with a remote {@code NDA_DST}:
     * MAC, address length (4 or 16), address. The all-zeros flooding entries, entries without a
     * destination (the device's own address, a bridge's entries for its port) are left out.
     */
    static ByteBuffer permanentFdb(ByteBuffer reply, int ifindex) {
        Rtnl.Messages m = new Rtnl.Messages(reply);
        ByteBuffer out = ByteBuffer.allocate(reply.remaining() / 2 + 32); // a message is 60 bytes or more, its compact form 11 or 23
        while (m.next()) {
            if (m.type() != Rtnl.RTM_NEWNEIGH || m.bodyLength() < Rtnl.NDMSG_LEN || m.u8(0) != Rtnl.AF_BRIDGE
                    || m.s32(4) != ifindex || (m.u16(8) & Rtnl.NUD_PERMANENT) == 0) {
                continue;
            }
            Rtnl.Attrs a = m.attrs(Rtnl.NDMSG_LEN);
            int dstLen = a.length(Rtnl.NDA_DST);
            byte[] mac = a.bytes(Rtnl.NDA_LLADDR);
            if ((dstLen != 4 && dstLen != 16) || mac == null || mac.length != MAC_LEN || allZero(mac)) {
                continue;
            }
            out.put(mac).put((byte) dstLen);
            a.copy(Rtnl.NDA_DST, out, dstLen);
        }
        return out.flip();
    }

    static List<FdbEntry> decodeFdb(ByteBuffer compact, String dev) {
        ByteBuffer b = compact.duplicate();
        List<FdbEntry> out = new ArrayList<>(b.remaining() / 11);
        byte[] mac = new byte[MAC_LEN];
        while (b.hasRemaining()) {
            b.get(mac);
            byte[] dst = new byte[b.get()];
            b.get(dst);
            IPAddress ip = dst.length == 4 ? new IPv4Address(dst) : new IPv6Address(dst);
            out.add(new FdbEntry(Rtnl.mac(mac), ip, dev));
        }
        return List.copyOf(out);
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}

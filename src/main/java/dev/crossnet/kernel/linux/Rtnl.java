package dev.crossnet.kernel.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The rtnetlink wire format (linux/netlink.h, linux/rtnetlink.h, linux/if_link.h, linux/neighbour.h):
 * constants, request encoding and the walk over a reply's messages and attributes. Pure and
 * stateless. Headers are in host byte order ({@link ByteOrder#nativeOrder()}), as the kernel writes
 * them; addresses are raw network-order bytes.
 *
 * <pre>
 *   nlmsghdr (16)   len u32 | type u16 | flags u16 | seq u32 | pid u32
 *   family header   rtmsg (12) | ndmsg (12) | ifinfomsg (16) | ifaddrmsg (8)
 *   attributes      rtattr: len u16 | type u16 | value, each padded to 4 bytes
 * </pre>
 */
final class Rtnl {

    static final int NLMSG_HDRLEN = 16;
    static final int NLMSG_NOOP = 1;
    static final int NLMSG_ERROR = 2;
    static final int NLMSG_DONE = 3;
    static final int NLM_F_REQUEST = 0x1;
    static final int NLM_F_MULTI = 0x2;
    static final int NLM_F_DUMP_INTR = 0x10;
    static final int NLM_F_DUMP = 0x300; // NLM_F_ROOT | NLM_F_MATCH

    static final int RTM_NEWLINK = 16;
    static final int RTM_GETLINK = 18;
    static final int RTM_NEWADDR = 20;
    static final int RTM_GETADDR = 22;
    static final int RTM_NEWROUTE = 24;
    static final int RTM_GETROUTE = 26;
    static final int RTM_NEWNEIGH = 28;
    static final int RTM_GETNEIGH = 30;

    static final int AF_UNSPEC = 0;
    static final int AF_INET = 2;
    static final int AF_BRIDGE = 7;
    static final int AF_INET6 = 10;

    /** ifinfomsg: family u8, pad u8, type u16, index s32, flags u32, change u32. */
    static final int IFINFOMSG_LEN = 16;
    static final int IFF_UP = 0x1;
    static final int IFLA_ADDRESS = 1;
    static final int IFLA_IFNAME = 3;
    static final int IFLA_MTU = 4;
    static final int IFLA_LINKINFO = 18;
    static final int IFLA_INFO_KIND = 1;
    static final int IFLA_INFO_DATA = 2;
    static final int IFLA_VXLAN_ID = 1;
    static final int IFLA_VXLAN_LINK = 3;
    static final int IFLA_VXLAN_LOCAL = 4;
    static final int IFLA_VXLAN_LEARNING = 7;
    static final int IFLA_VXLAN_PORT = 15; // network byte order
    static final int IFLA_VXLAN_LOCAL6 = 17;

    /** ifaddrmsg: family u8, prefixlen u8, flags u8, scope u8, index u32. */
    static final int IFADDRMSG_LEN = 8;
    static final int IFA_ADDRESS = 1;
    static final int IFA_LOCAL = 2;

    /** rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type (u8 each), flags u32. */
    static final int RTMSG_LEN = 12;
    static final int RT_TABLE_MAIN = 254;
    static final int RTNH_F_ONLINK = 0x4;
    static final int RTA_DST = 1;
    static final int RTA_OIF = 4;
    static final int RTA_GATEWAY = 5;
    static final int RTA_PREFSRC = 7;
    static final int RTA_TABLE = 15;

    /** ndmsg: family u8, pad u8, pad u16, ifindex s32, state u16, flags u8, type u8. */
    static final int NDMSG_LEN = 12;
    static final int NUD_PERMANENT = 0x80;
    static final int NDA_DST = 1;
    static final int NDA_LLADDR = 2;
    static final int NDA_IFINDEX = 8;

    /** Attribute type bits that are flags, not part of the type: NLA_F_NESTED, NLA_F_NET_BYTEORDER. */
    private static final int NLA_TYPE_MASK = 0x3fff;

    private Rtnl() {
    }

    static int align(int n) {
        return (n + 3) & ~3;
    }

    /** A request being written: the header's length is filled in by {@link #done}. */
    static final class Request {
        private final ByteBuffer b = ByteBuffer.allocate(512).order(ByteOrder.nativeOrder());

        /** Starts a message of {@code type} with {@code flags} and a zeroed family header of {@code headerLen} bytes. */
        Request(int type, int flags, int headerLen) {
            b.putInt(0).putShort((short) type).putShort((short) flags).putInt(0).putInt(0);
            b.put(new byte[headerLen]);
        }

        /** Sets byte {@code offset} of the family header. */
        Request headerByte(int offset, int value) {
            b.put(NLMSG_HDRLEN + offset, (byte) value);
            return this;
        }

        /** Sets the 32-bit field at {@code offset} of the family header. */
        Request headerInt(int offset, int value) {
            b.putInt(NLMSG_HDRLEN + offset, value);
            return this;
        }

        Request attr(int type, byte[] value) {
            b.putShort((short) (4 + value.length)).putShort((short) type).put(value);
            b.position(align(b.position()));
            return this;
        }

        Request attrInt(int type, int value) {
            return attr(type, ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(value).array());
        }

        /** A NUL-terminated string attribute, as {@code IFLA_IFNAME} is. */
        Request attrString(int type, String value) {
            byte[] s = value.getBytes(StandardCharsets.UTF_8);
            byte[] z = new byte[s.length + 1];
            System.arraycopy(s, 0, z, 0, s.length);
            return attr(type, z);
        }

        /** The finished message with sequence number {@code seq}, flipped for reading. */
        ByteBuffer done(int seq) {
            ByteBuffer out = b.duplicate().order(ByteOrder.nativeOrder()).flip();
            out.putInt(0, out.limit());
            out.putInt(8, seq);
            return out;
        }
    }

    /** Every message type of a reply, walked in place. Not thread-safe; cheap to make. */
    static final class Messages {
        private final ByteBuffer buf;
        private int next;
        private int start;
        private int len;
        private Attrs attrs;

        /** Walks {@code buf} from its position to its limit. */
        Messages(ByteBuffer buf) {
            this.buf = buf.duplicate().order(ByteOrder.nativeOrder());
            this.next = buf.position();
        }

        /** Moves to the next message; false at the end, or when the rest is too short to be one. */
        boolean next() {
            if (next + NLMSG_HDRLEN > buf.limit()) {
                return false;
            }
            int l = buf.getInt(next);
            if (l < NLMSG_HDRLEN || next + l > buf.limit()) {
                throw new IllegalArgumentException("netlink message of length " + l + " at " + next
                        + " runs past the end of the " + buf.limit() + "-byte reply");
            }
            start = next;
            len = l;
            next += align(l);
            return true;
        }

        int type() {
            return buf.getShort(start + 4) & 0xffff;
        }

        int flags() {
            return buf.getShort(start + 6) & 0xffff;
        }

        int seq() {
            return buf.getInt(start + 8);
        }

        /** The length of the message's body (family header and attributes). */
        int bodyLength() {
            return len - NLMSG_HDRLEN;
        }

        /** Body byte at {@code offset}, unsigned. */
        int u8(int offset) {
            return buf.get(start + NLMSG_HDRLEN + offset) & 0xff;
        }

        int u16(int offset) {
            return buf.getShort(start + NLMSG_HDRLEN + offset) & 0xffff;
        }

        int s32(int offset) {
            return buf.getInt(start + NLMSG_HDRLEN + offset);
        }

        /**
         * The attributes after a family header of {@code headerLen} bytes. One object per walk,
         * refilled on each call: what it returns is valid until the next call.
         */
        Attrs attrs(int headerLen) {
            if (attrs == null) {
                attrs = new Attrs(buf);
            }
            return attrs.parse(start + NLMSG_HDRLEN + align(headerLen), start + len);
        }

        /** A copy of the whole message (header included), e.g. to keep a reply. */
        void copyTo(ByteBuffer out) {
            out.put(buf.slice(start, len));
            out.position(align(out.position()));
        }
    }

    /**
     * The attributes of one message, or of a nested attribute, by type (the last of a repeated type
     * wins; rtnetlink repeats none of those read here). Reads are bounds-checked against the range.
     */
    static final class Attrs {
        private static final int MAX_TYPE = 64;
        private final ByteBuffer buf;
        private final int[] at = new int[MAX_TYPE];
        private final int[] len = new int[MAX_TYPE];

        Attrs(ByteBuffer buf, int from, int to) {
            this(buf);
            parse(from, to);
        }

        private Attrs(ByteBuffer buf) {
            this.buf = buf;
        }

        /** Forgets the last range's attributes and reads those of {@code [from, to)}. */
        Attrs parse(int from, int to) {
            Arrays.fill(at, 0);
            int p = from;
            while (p + 4 <= to) {
                int l = buf.getShort(p) & 0xffff;
                if (l < 4 || p + l > to) {
                    throw new IllegalArgumentException("netlink attribute of length " + l + " at " + p
                            + " runs past its message (ends at " + to + ")");
                }
                int type = buf.getShort(p + 2) & NLA_TYPE_MASK; // the 16 bits without those two
                if (type < MAX_TYPE) {
                    at[type] = p + 4;
                    len[type] = l - 4;
                }
                p += align(l);
            }
            return this;
        }

        boolean has(int type) {
            return type < MAX_TYPE && at[type] != 0;
        }

        /** The value's length; -1 when absent. */
        int length(int type) {
            return has(type) ? len[type] : -1;
        }

        /** A 32-bit value in host order, or {@code otherwise} when absent or too short. */
        int u32(int type, int otherwise) {
            return length(type) >= 4 ? buf.getInt(at[type]) : otherwise;
        }

        int u8(int type, int otherwise) {
            return length(type) >= 1 ? buf.get(at[type]) & 0xff : otherwise;
        }

        /** A 16-bit value in network order (ports), or {@code otherwise}. */
        int be16(int type, int otherwise) {
            return length(type) >= 2 ? ((buf.get(at[type]) & 0xff) << 8) | (buf.get(at[type] + 1) & 0xff) : otherwise;
        }

        /** The value's bytes, or null when absent. */
        byte[] bytes(int type) {
            if (!has(type)) {
                return null;
            }
            byte[] v = new byte[len[type]];
            buf.get(at[type], v);
            return v;
        }

        /** Copies the value into {@code out} (its length bytes); false when absent or not that long. */
        boolean copy(int type, ByteBuffer out, int length) {
            if (length(type) != length) {
                return false;
            }
            out.put(buf.slice(at[type], length));
            return true;
        }

        /** A NUL-terminated string value, or null when absent. */
        String string(int type) {
            if (!has(type)) {
                return null;
            }
            int n = 0;
            while (n < len[type] && buf.get(at[type] + n) != 0) {
                n++;
            }
            byte[] v = new byte[n];
            buf.get(at[type], v);
            return new String(v, StandardCharsets.UTF_8);
        }

        /** A nested attribute's attributes, or null when absent. */
        Attrs nested(int type) {
            return has(type) ? new Attrs(buf, at[type], at[type] + len[type]) : null;
        }
    }

    /** {@code 0a:00:00:00:00:01}: lower-case, colon-separated, as iproute2 prints link-layer addresses. */
    static String mac(byte[] b) {
        StringBuilder s = new StringBuilder(b.length * 3);
        for (int i = 0; i < b.length; i++) {
            if (i > 0) {
                s.append(':');
            }
            s.append(Character.forDigit((b[i] >> 4) & 0xf, 16)).append(Character.forDigit(b[i] & 0xf, 16));
        }
        return s.toString();
    }
}

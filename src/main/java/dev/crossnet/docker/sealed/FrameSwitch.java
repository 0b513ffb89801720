package dev.crossnet.docker.sealed;

import java.nio.ByteBuffer;

/**
 * The encrypted datapath's decisions on Ethernet frames, apart from any I/O: where a frame read
 * from the network's TAP device goes ({@link #outbound}), and whether a frame a peer host sent may
 * be delivered ({@link #inbound}). Frames are addressed absolutely in the caller's buffer; nothing
 * is allocated. Stateless; thread-safe.
 */
public final class FrameSwitch {
    static final int ETH_HEADER = 14;
    static final int ETHERTYPE_IPV4 = 0x0800;
    static final int ETHERTYPE_ARP = 0x0806;
    /** An ARP packet for IPv4 over Ethernet: 8 fixed + 2 × (6 MAC + 4 IPv4). */
    static final int ARP_LENGTH = 28;
    /** The ARP reply {@link #outbound} writes: Ethernet header + ARP packet. */
    public static final int ARP_REPLY_LENGTH = ETH_HEADER + ARP_LENGTH;

    /** What {@link #outbound} decided. */
    public enum Action { SEND, REPLY, DROP }

    /** One thread's result of {@link #outbound}: reused, so nothing is allocated per frame. */
    public static final class Decision {
        public Action action;
        /** For {@link Action#SEND}: the endpoint the frame is for (its host is where it goes). */
        public FrameTable.Remote to;
        /** For {@link Action#DROP}. */
        public FrameDrop drop;

        Decision send(FrameTable.Remote r) {
            action = Action.SEND;
            to = r;
            drop = null;
            return this;
        }

        Decision reply() {
            action = Action.REPLY;
            to = null;
            drop = null;
            return this;
        }

        Decision drop(FrameDrop reason) {
            action = Action.DROP;
            to = null;
            drop = reason;
            return this;
        }
    }

    private FrameSwitch() {
    }

    /**
     * Decides on the frame {@code b[off, off+len)} read from the TAP device of a network whose
     * remote endpoints are {@code t}: a unicast frame to a remote endpoint's MAC is sent to that
     * endpoint's host; an ARP request for a remote endpoint's address is answered here, the reply
     * (of {@link #ARP_REPLY_LENGTH} bytes) written to {@code reply} at 0, as the vxlan device's ARP
     * proxy does; everything else is dropped, so broadcasts never leave the host.
     */
    public static Decision outbound(FrameTable t, ByteBuffer b, int off, int len, ByteBuffer reply, Decision d) {
        if (len < ETH_HEADER) {
            return d.drop(FrameDrop.MALFORMED);
        }
        if ((b.get(off) & 1) != 0) {
            return arpRequest(t, b, off, len, reply) ? d.reply() : d.drop(FrameDrop.KEPT_LOCAL);
        }
        FrameTable.Remote r = t.byMac(mac(b, off));
        return r == null ? d.drop(FrameDrop.NO_DESTINATION) : d.send(r);
    }

    /**
     * Checks the frame {@code b[off, off+len)} that host {@code peerHost} sent, authenticated, on a
     * network whose remote endpoints are {@code t}: it must be unicast IPv4 or ARP from the MAC of
     * one of that host's endpoints, with that endpoint's IPv4 address as the packet's source.
     *
     * @return null when it may be delivered, else why not
     */
    public static FrameDrop inbound(FrameTable t, String peerHost, ByteBuffer b, int off, int len) {
        if (len < ETH_HEADER) {
            return FrameDrop.MALFORMED;
        }
        if ((b.get(off) & 1) != 0) {
            return FrameDrop.INNER_TYPE;
        }
        int type = b.getShort(off + 12) & 0xffff;
        int source;
        if (type == ETHERTYPE_IPV4 && len >= ETH_HEADER + 20) {
            source = b.getInt(off + ETH_HEADER + 12);
        } else if (type == ETHERTYPE_ARP && len >= ETH_HEADER + ARP_LENGTH) {
            source = b.getInt(off + ETH_HEADER + 14); // sender protocol address
        } else {
            return FrameDrop.INNER_TYPE;
        }
        FrameTable.Remote r = t.byMac(mac(b, off + 6));
        if (r == null || !r.host().equals(peerHost) || r.ip() != source) {
            return FrameDrop.INNER_SOURCE;
        }
        return null;
    }

    /**
     * Checks the opened payload {@code b[off, off+len)} of a sealed datagram that host {@code
     * peerHost} sent (a VNI, then a frame; see {@code package-info}): it must hold a VNI and an
     * Ethernet header, name a network with a segment here ({@code t}: the remote endpoints of the
     * network of the VNI {@code b.getInt(off)}, or null when there is none), and its frame must
     * pass {@link #inbound}.
     *
     * @return null when the frame at {@code off + 4} may be delivered to that network, else why not
     */
    public static FrameDrop opened(FrameTable t, String peerHost, ByteBuffer b, int off, int len) {
        if (len < 4 + ETH_HEADER) {
            return FrameDrop.MALFORMED;
        }
        if (t == null) {
            return FrameDrop.UNKNOWN_NETWORK;
        }
        return inbound(t, peerHost, b, off + 4, len - 4);
    }

    /** If the frame is an IPv4-over-Ethernet ARP request for a remote endpoint, writes the reply and returns true. */
    private static boolean arpRequest(FrameTable t, ByteBuffer b, int off, int len, ByteBuffer reply) {
        if (len < ETH_HEADER + ARP_LENGTH || (b.getShort(off + 12) & 0xffff) != ETHERTYPE_ARP) {
            return false;
        }
        int arp = off + ETH_HEADER;
        // htype 1 (Ethernet), ptype IPv4, hlen 6, plen 4, oper 1 (request)
        if (b.getShort(arp) != 1 || (b.getShort(arp + 2) & 0xffff) != ETHERTYPE_IPV4 || b.get(arp + 4) != 6
                || b.get(arp + 5) != 4 || b.getShort(arp + 6) != 1) {
            return false;
        }
        FrameTable.Remote r = t.byIp(b.getInt(arp + 24));
        if (r == null) {
            return false;
        }
        long askerMac = mac(b, arp + 8);
        int askerIp = b.getInt(arp + 14);
        putMac(reply, 0, askerMac);
        putMac(reply, 6, r.mac());
        reply.putShort(12, (short) ETHERTYPE_ARP);
        reply.putShort(14, (short) 1);
        reply.putShort(16, (short) ETHERTYPE_IPV4);
        reply.put(18, (byte) 6);
        reply.put(19, (byte) 4);
        reply.putShort(20, (short) 2); // reply
        putMac(reply, 22, r.mac());
        reply.putInt(28, r.ip());
        putMac(reply, 32, askerMac);
        reply.putInt(38, askerIp);
        return true;
    }

    static long mac(ByteBuffer b, int at) {
        return (b.getShort(at) & 0xffffL) << 32 | (b.getInt(at + 2) & 0xffffffffL);
    }

    static void putMac(ByteBuffer b, int at, long mac) {
        b.putShort(at, (short) (mac >>> 32));
        b.putInt(at + 2, (int) mac);
    }
}

package dev.crossnet.docker.sealed;

import dev.crossnet.backend.udp.SegmentTrains;
import dev.crossnet.backend.udp.TsoSplitter;
import dev.crossnet.backend.udp.VirtioNetHdr;
import dev.crossnet.seal.PacketCipher;
import dev.crossnet.seal.Tunnels;
import dev.crossnet.sys.LibC;
import dev.crossnet.udp.Bind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;

/**
 * One encrypted network's sending loop body: reads a batch of frames from its TAP, decides on each
 * with {@link FrameSwitch#outbound} (answer ARP, send, or drop), seals what goes and sends the
 * batch with one call. With a {@code virtio_net_hdr} on the TAP, a TCP super-frame ({@code
 * GSO_TCPV4}) is split into MSS-sized frames, each sealed on its own behind the VNI and the
 * frame's Ethernet header, and sent as a UDP GSO train ({@link SegmentTrains}, shared with the udp
 * backend); a {@code NEEDS_CSUM} frame gets its checksum completed. Nothing is sent to a host
 * without a verified certificate or a session, and nothing unsealed.
 *
 * <p>Buffer layout, sealed in place: {@code [16 seal header][4 VNI][frame][16 tag]}; the frame is
 * read {@value #FRAME} bytes in, behind its {@code virtio_net_hdr} when there is one (which the
 * VNI and seal header then overwrite). Not thread-safe: owned by the network's reading thread.
 * Allocation-free after construction.
 */
final class FrameTx {
    /** Where a frame starts in its buffer: the seal header, then the VNI. */
    static final int FRAME = Tunnels.HEADER + 4;
    /** The IPv4 packet of an Ethernet frame. */
    static final int IP = FRAME + FrameSwitch.ETH_HEADER;
    /** 20 + the largest Ethernet frame carrying a 64 KiB IPv4 packet + the tag. */
    static final int BUFFER = FRAME + FrameSwitch.ETH_HEADER + 65_535 + 16;

    private final TapPort port;
    private final Bind bind;
    private final Tunnels tunnels;
    private final Map<String, SealedDatapath.Peer> peers;
    private final FrameCounters counters;
    private final boolean vnet;
    private final int readAt;
    private final ByteBuffer[] in;
    private final long[] inAddresses;
    private final int[] sizes;
    private final ByteBuffer reply; // virtio_net_hdr room + the ARP reply
    private final ByteBuffer replyFrame;
    private final long replyAddress;
    private final FrameSwitch.Decision d = new FrameSwitch.Decision();
    private final PacketCipher cipher = new PacketCipher();
    private final SegmentTrains trains;

    FrameTx(TapPort port, Bind bind, Object sendLock, int batch, Tunnels tunnels, Map<String, SealedDatapath.Peer> peers,
            FrameCounters counters) {
        this.port = port;
        this.bind = bind;
        this.tunnels = tunnels;
        this.peers = peers;
        this.counters = counters;
        this.vnet = port.tap.vnetHdr();
        this.readAt = vnet ? FRAME - VirtioNetHdr.SIZE : FRAME;
        this.in = new ByteBuffer[batch];
        this.inAddresses = new long[batch];
        for (int i = 0; i < batch; i++) {
            in[i] = ByteBuffer.allocateDirect(BUFFER);
            inAddresses[i] = LibC.address(in[i]);
        }
        this.sizes = new int[batch];
        this.reply = ByteBuffer.allocateDirect(VirtioNetHdr.SIZE + FrameSwitch.ARP_REPLY_LENGTH);
        this.replyFrame = reply.slice(VirtioNetHdr.SIZE, FrameSwitch.ARP_REPLY_LENGTH);
        this.replyAddress = LibC.address(reply);
        this.trains = new SegmentTrains(bind, batch, sendLock);
    }

    /** Moves one batch; returns after {@code timeoutMillis} without one. */
    void pump(int timeoutMillis) throws IOException {
        int n = port.tap.read(in, sizes, readAt, timeoutMillis);
        FrameTable table = port.table;
        for (int i = 0; i < n; i++) {
            ByteBuffer b = in[i];
            int len = sizes[i] - (vnet ? VirtioNetHdr.SIZE : 0);
            if (len < 0 || len > BUFFER - FRAME - 16) {
                counters.drop(FrameDrop.MALFORMED); // no room for the tag: cannot happen below a 64 KiB MTU
                continue;
            }
            FrameSwitch.outbound(table, b, FRAME, len, replyFrame, d);
            if (d.action == FrameSwitch.Action.REPLY) {
                port.reply(reply, replyAddress, VirtioNetHdr.SIZE, FrameSwitch.ARP_REPLY_LENGTH);
                continue;
            }
            if (d.action == FrameSwitch.Action.DROP) {
                counters.drop(d.drop);
                continue;
            }
            SealedDatapath.Peer p = peers.get(d.to.host());
            if (p == null) {
                counters.drop(FrameDrop.NO_PEER);
                continue;
            }
            send(b, i, len, p);
        }
        trains.flush();
    }

    private void send(ByteBuffer b, int i, int len, SealedDatapath.Peer p) throws IOException {
        int hdr = FRAME - VirtioNetHdr.SIZE;
        int gso = vnet ? VirtioNetHdr.gsoType(b, hdr) : VirtioNetHdr.GSO_NONE;
        boolean csum = vnet && (VirtioNetHdr.flags(b, hdr) & VirtioNetHdr.F_NEEDS_CSUM) != 0;
        int mss = vnet ? VirtioNetHdr.gsoSize(b, hdr) : 0;
        int csumStart = vnet ? VirtioNetHdr.csumStart(b, hdr) - FrameSwitch.ETH_HEADER : 0;
        int csumOffset = vnet ? VirtioNetHdr.csumOffset(b, hdr) : 0;
        boolean ipv4 = len >= FrameSwitch.ETH_HEADER + 20 && (b.getShort(FRAME + 12) & 0xffff) == FrameSwitch.ETHERTYPE_IPV4;
        b.putInt(FRAME - 4, port.vni); // over the virtio_net_hdr, read above
        if (gso != VirtioNetHdr.GSO_NONE) {
            int segments = gso != VirtioNetHdr.GSO_TCPV4 || !ipv4 ? -1
                    : trains.split(b, IP, len - FrameSwitch.ETH_HEADER, mss, 4 + FrameSwitch.ETH_HEADER, tunnels, cipher,
                            p.tunnel(), p.endpoint());
            if (segments < 0) {
                counters.drop(FrameDrop.MALFORMED);
                return;
            }
            counters.sent(segments);
            return;
        }
        if (csum && (!ipv4 || csumStart < 20
                || !TsoSplitter.completeChecksum(b, IP, len - FrameSwitch.ETH_HEADER, csumStart, csumOffset))) {
            counters.drop(FrameDrop.MALFORMED);
            return;
        }
        int sealed = tunnels.seal(cipher, p.tunnel(), b, 0, 4 + len);
        if (sealed < 0) {
            return; // counted by Tunnels (no key yet: a handshake is on its way); never sent in clear
        }
        trains.add(b, inAddresses[i], 0, sealed, p.endpoint());
        counters.sent(1);
    }
}

package dev.crossnet.backend.udp;

import dev.crossnet.seal.PacketCipher;
import dev.crossnet.seal.Tunnels;
import dev.crossnet.sys.LibC;
import dev.crossnet.tun.TunDevice;
import dev.crossnet.udp.Bind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.Supplier;

/**
 * The TUN → UDP loop body for a TUN device with {@code IFF_VNET_HDR}: reads packets behind their
 * {@code virtio_net_hdr}, splits TCP super-packets ({@code GSO_TCPV4}) into MSS-sized packets and
 * sends them as UDP GSO trains ({@link SegmentTrains}), completes {@code NEEDS_CSUM} checksums, and
 * sends. Packets that need no split go out from the read buffer as they are.
 *
 * <p>Not thread-safe: owned by the sending thread. Allocation-free after construction.
 */
final class OffloadTx {

    static final int BUFFER_SIZE = VirtioNetHdr.SIZE + 65_535; // header + the largest IPv4 packet

    private final TunDevice tun;
    private final Bind bind;
    private final UdpMetrics metrics;
    private final Supplier<ForwardingTable> table;
    private final Sealer sealer; // null: plain
    private final PacketCipher cipher;
    private final int hdr; // where the virtio_net_hdr is read: sealed, so that the packet starts HEADER bytes in
    private final ByteBuffer[] scratch;
    private final int[] scratchSize = new int[1];
    private final long[] scratchDest = new long[1];
    private final ByteBuffer[] in;
    private final long[] inAddresses;
    private final int[] inSizes;
    private final SegmentTrains trains;

    OffloadTx(TunDevice tun, Bind bind, int batch, UdpMetrics metrics, Supplier<ForwardingTable> table) {
        this(tun, bind, batch, metrics, table, null);
    }

    /** @param sealer null for the plain wire format */
    OffloadTx(TunDevice tun, Bind bind, int batch, UdpMetrics metrics, Supplier<ForwardingTable> table, Sealer sealer) {
        this.sealer = sealer;
        this.cipher = sealer == null ? null : new PacketCipher();
        this.hdr = sealer == null ? 0 : Tunnels.HEADER - VirtioNetHdr.SIZE;
        this.scratch = sealer == null ? null : Sealer.scratch();
        this.tun = tun;
        this.bind = bind;
        this.metrics = metrics;
        this.table = table;
        this.in = UdpDatapath.buffers(batch, BUFFER_SIZE + Tunnels.OVERHEAD);
        this.inAddresses = new long[batch];
        for (int i = 0; i < batch; i++) {
            inAddresses[i] = LibC.address(in[i]);
        }
        this.inSizes = new int[batch];
        this.trains = new SegmentTrains(bind, batch, null);
    }

    /** Moves one batch; returns after {@code timeoutMillis} without one. */
    void pump(int timeoutMillis) throws IOException {
        int n = tun.read(in, inSizes, hdr, timeoutMillis);
        ForwardingTable t = table.get();
        for (int i = 0; i < n; i++) {
            ByteBuffer b = in[i];
            int pkt = hdr + VirtioNetHdr.SIZE;
            int len = inSizes[i] - VirtioNetHdr.SIZE;
            if (len < PacketValidator.IPV4_MIN_HEADER || (b.get(pkt) & 0xf0) != 0x40) {
                metrics.noPeerDrops(DropReason.MALFORMED).inc(); // IPv6 or runt: the network is IPv4 only
                continue;
            }
            Peer p = t.lookup(b.getInt(pkt + PacketValidator.IPV4_DST));
            if (p == null) {
                metrics.noPeerDrops(DropReason.NO_ROUTE).inc();
                continue;
            }
            if (sealer != null && p.tunnel == null) {
                p.drops(DropReason.NO_CERTIFICATE).inc();
                continue;
            }
            if (VirtioNetHdr.gsoType(b, hdr) == VirtioNetHdr.GSO_TCPV4) {
                int segments = trains.split(b, pkt, len, VirtioNetHdr.gsoSize(b, hdr), 0,
                        sealer == null ? null : sealer.tunnels(), cipher, p.tunnel, p.endpoint);
                if (segments < 0) {
                    metrics.noPeerDrops(DropReason.MALFORMED).inc();
                    continue;
                }
                p.txPackets.inc(segments);
                p.txBytes.inc(trains.splitBytes());
                continue;
            }
            if ((VirtioNetHdr.flags(b, hdr) & VirtioNetHdr.F_NEEDS_CSUM) != 0
                    && !TsoSplitter.completeChecksum(b, pkt, len, VirtioNetHdr.csumStart(b, hdr), VirtioNetHdr.csumOffset(b, hdr))) {
                metrics.noPeerDrops(DropReason.MALFORMED).inc();
                continue;
            }
            int at = pkt;
            int size = len;
            if (sealer != null) {
                // In place: the header goes over the virtio_net_hdr (already read), the tag behind the packet.
                at = pkt - Tunnels.HEADER;
                size = sealer.tunnels().seal(cipher, p.tunnel, b, at, len);
                if (size < 0) {
                    continue; // no key yet: dropped and counted, never sent in clear
                }
            }
            trains.add(b, inAddresses[i], at, size, p.endpoint);
            p.txPackets.inc();
            p.txBytes.inc(len);
        }
        trains.flush();
        if (sealer != null) {
            sealer.drain(bind, scratch, scratchSize, scratchDest);
        }
    }
}

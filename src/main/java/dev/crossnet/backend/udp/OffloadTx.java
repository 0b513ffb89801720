package dev.crossnet.backend.udp;

import dev.crossnet.seal.PacketCipher;
import dev.crossnet.seal.Tunnels;
import dev.crossnet.sys.GatherBatch;
import dev.crossnet.sys.LibC;
import dev.crossnet.tun.TunDevice;
import dev.crossnet.udp.Bind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.Supplier;

/**
 * The TUN → UDP loop body for a TUN device with {@code IFF_VNET_HDR}: reads packets behind their
 * {@code virtio_net_hdr}, splits TCP super-packets ({@code GSO_TCPV4}) into MSS-sized packets with
 * {@link TsoSplitter}, completes {@code NEEDS_CSUM} checksums, and sends. With UDP GSO ({@link
 * Bind#gso()}) the segments of one super-packet go out as one message, a single datagram train the
 * kernel cuts at the segment size; without it, one datagram per message.
 *
 * <p>Split segments are written one after another into a slot buffer, the payload copied and
 * summed in one pass, and each slot is sent as one piece. Sending headers and payloads as separate
 * pieces straight from the read buffer (no userspace copy) was tried and measured slower: the
 * kernel's copy from a gather list whose pieces are misaligned against the socket buffer's pages
 * cost three times the copy from one contiguous slot, more than the userspace copy it saved.
 * Packets that need no split go out from the read buffer as they are.
 *
 * <p>Not thread-safe: owned by the sending thread. Allocation-free after construction.
 */
final class OffloadTx {

    static final int BUFFER_SIZE = VirtioNetHdr.SIZE + 65_535; // header + the largest IPv4 packet
    static final int GSO_MAX_BYTES = 65_507; // 65535 IPv4 total - 20 IP - 8 UDP
    static final int GSO_MAX_SEGMENTS = 64; // UDP_MAX_SEGMENTS on older kernels (128 since 5.x)

    private final TunDevice tun;
    private final Bind bind;
    private final UdpMetrics metrics;
    private final Supplier<ForwardingTable> table;
    private final Sealer sealer; // null: plain
    private final PacketCipher cipher;
    private final int hdr; // where the virtio_net_hdr is read: sealed, so that the packet starts HEADER bytes in
    private final int overhead; // bytes sealing adds per datagram
    private final ByteBuffer[] scratch;
    private final int[] scratchSize = new int[1];
    private final long[] scratchDest = new long[1];
    private final TsoSplitter splitter = new TsoSplitter();
    private final ByteBuffer[] in;
    private final long[] inAddresses;
    private final int[] inSizes;
    private final ByteBuffer[] slots;
    private final long[] slotAddresses;
    private final GatherBatch out;
    private int slotsUsed;

    OffloadTx(TunDevice tun, Bind bind, int batch, UdpMetrics metrics, Supplier<ForwardingTable> table) {
        this(tun, bind, batch, metrics, table, null);
    }

    /** @param sealer null for the plain wire format */
    OffloadTx(TunDevice tun, Bind bind, int batch, UdpMetrics metrics, Supplier<ForwardingTable> table, Sealer sealer) {
        this.sealer = sealer;
        this.cipher = sealer == null ? null : new PacketCipher();
        this.hdr = sealer == null ? 0 : Tunnels.HEADER - VirtioNetHdr.SIZE;
        this.overhead = sealer == null ? 0 : Tunnels.OVERHEAD;
        this.scratch = sealer == null ? null : Sealer.scratch();
        this.tun = tun;
        this.bind = bind;
        this.metrics = metrics;
        this.table = table;
        this.in = UdpDatapath.buffers(batch, BUFFER_SIZE + Tunnels.OVERHEAD);
        this.inAddresses = addresses(in);
        this.inSizes = new int[batch];
        this.slots = UdpDatapath.buffers(2 * batch, 65_536); // a super-packet can need two GSO slots
        this.slotAddresses = addresses(slots);
        this.out = new GatherBatch(2 * batch + batch, 2 * batch + batch); // every slot, every packet read
    }

    private static long[] addresses(ByteBuffer[] bufs) {
        long[] a = new long[bufs.length];
        for (int i = 0; i < bufs.length; i++) {
            a[i] = LibC.address(bufs[i]);
        }
        return a;
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
                split(b, pkt, len, VirtioNetHdr.gsoSize(b, hdr), p);
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
            out.begin(p.endpoint, 0);
            out.add(b, inAddresses[i], at, size);
            p.txPackets.inc();
            p.txBytes.inc(len);
        }
        flush();
        if (sealer != null) {
            sealer.drain(bind, scratch, scratchSize, scratchDest);
        }
    }

    private void split(ByteBuffer b, int pkt, int len, int mss, Peer p) throws IOException {
        if (splitter.begin(b, pkt, len, mss) < 0) {
            metrics.noPeerDrops(DropReason.MALFORMED).inc();
            return;
        }
        boolean gso = bind.gso();
        int s = -1;
        int fill = 0;
        int slotSegments = 0;
        int segmentSize = 0;
        int segments = 0;
        long bytes = 0;
        while (splitter.hasNext()) {
            int next = splitter.nextLength();
            if (s < 0 || !gso || fill + next + overhead > GSO_MAX_BYTES || slotSegments == GSO_MAX_SEGMENTS) {
                if (s >= 0 && fill > 0) {
                    close(s, fill, segmentSize, p);
                }
                s = slot();
                fill = 0;
                slotSegments = 0;
                // Every segment but the last is exactly the first one's length, sealed or not.
                segmentSize = gso ? next + overhead : 0;
            }
            int written = splitter.next(slots[s], fill + (sealer == null ? 0 : Tunnels.HEADER));
            if (sealer != null) {
                // Each segment is sealed on its own (its own counter): the receiver opens the datagrams UDP GSO cuts.
                int sealed = sealer.tunnels().seal(cipher, p.tunnel, slots[s], fill, written);
                if (sealed < 0) {
                    break; // no key: the rest of the super-packet is dropped (counted); what is sealed goes
                }
                fill += sealed;
                slotSegments++;
                segments++;
                bytes += written;
                continue;
            }
            fill += written;
            slotSegments++;
            segments++;
            bytes += written;
        }
        if (fill > 0) {
            close(s, fill, segmentSize, p);
        }
        p.txPackets.inc(segments);
        p.txBytes.inc(bytes);
    }

    private void close(int s, int fill, int segmentSize, Peer p) {
        out.begin(p.endpoint, segmentSize);
        out.add(slots[s], slotAddresses[s], 0, fill);
    }

    /** A free slot index, sending what is ready first when there is none. */
    private int slot() throws IOException {
        if (slotsUsed == slots.length) {
            flush();
        }
        return slotsUsed++;
    }

    private void flush() throws IOException {
        if (out.messages() > 0) {
            bind.send(out);
        }
        out.clear();
        slotsUsed = 0;
    }
}

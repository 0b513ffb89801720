package dev.crossnet.backend.udp;

import dev.crossnet.seal.PacketCipher;
import dev.crossnet.seal.Tunnel;
import dev.crossnet.seal.Tunnels;
import dev.crossnet.sys.GatherBatch;
import dev.crossnet.sys.LibC;
import dev.crossnet.udp.Bind;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The sending half of a userspace datapath with TSO: collects datagrams into one {@link
 * GatherBatch} and sends it with one call. A TCP super-packet is split with {@link TsoSplitter}
 * into slot buffers, each segment behind an optional prefix (the encrypted Docker networks' VNI
 * and Ethernet header; nothing for the udp backend) and, when sealed, sealed on its own (its own
 * counter: the receiver opens each datagram UDP GSO cuts). With UDP GSO ({@link Bind#gso()}) the
 * segments of a slot go out as one message, a train the kernel cuts at the segment size.
 *
 * <p>Split segments are written one after another into a slot, the payload copied and summed in
 * one pass, and each slot is sent as one piece. Sending headers and payloads as separate pieces
 * straight from the read buffer (no userspace copy) was tried and measured slower: the kernel's
 * copy from a gather list whose pieces are misaligned against the socket buffer's pages cost
 * three times the copy from one contiguous slot, more than the userspace copy it saved.
 *
 * <p>Not thread-safe: owned by one sending thread. When several threads share the {@link Bind},
 * each has its own trains and passes the same {@code sendLock}, held around every send.
 * Allocation-free after construction.
 */
public final class SegmentTrains {

    static final int GSO_MAX_BYTES = 65_507; // 65535 IPv4 total - 20 IP - 8 UDP
    static final int GSO_MAX_SEGMENTS = 64; // UDP_MAX_SEGMENTS on older kernels (128 since 5.x)

    private final Bind bind;
    private final Object sendLock;
    private final TsoSplitter splitter = new TsoSplitter();
    private final ByteBuffer[] slots;
    private final long[] slotAddresses;
    private final GatherBatch out;
    private int slotsUsed;
    private long splitBytes;

    /**
     * @param batch    how many datagrams (or trains) the caller adds between {@link #flush}es, at most
     * @param sendLock held around every send, or null when this thread alone sends on {@code bind}
     */
    public SegmentTrains(Bind bind, int batch, Object sendLock) {
        this.bind = bind;
        this.sendLock = sendLock;
        this.slots = UdpDatapath.buffers(2 * batch, 65_536); // a super-packet can need two GSO slots
        this.slotAddresses = new long[slots.length];
        for (int i = 0; i < slots.length; i++) {
            slotAddresses[i] = LibC.address(slots[i]);
        }
        this.out = new GatherBatch(2 * batch + batch, 2 * batch + batch); // every slot, every packet added
    }

    /** Queues the datagram {@code b[off, off+len)}, {@code base} being {@code b}'s native address, for {@code dest}. */
    public void add(ByteBuffer b, long base, int off, int len, long dest) {
        out.begin(dest, 0);
        out.add(b, base, off, len);
    }

    /**
     * Splits the TCP/IPv4 super-packet {@code b[pkt, pkt+len)} into segments of {@code mss} payload
     * bytes, each behind a copy of the {@code prefix} bytes that precede the packet ({@code b[pkt -
     * prefix, pkt)}), sealed for {@code tunnel} with {@code tunnels} (or left plain when {@code
     * tunnels} is null), and queues them for {@code dest}. A segment that cannot be sealed (no key:
     * counted by the tunnels) ends the split: the rest is dropped, never sent in clear.
     *
     * @return the segments queued, or -1 when it is not a splittable TCP/IPv4 packet; {@link
     *     #splitBytes()} then holds their inner length (without prefix)
     */
    public int split(ByteBuffer b, int pkt, int len, int mss, int prefix, Tunnels tunnels, PacketCipher cipher,
                     Tunnel tunnel, long dest) throws IOException {
        splitBytes = 0;
        if (splitter.begin(b, pkt, len, mss) < 0) {
            return -1;
        }
        int head = tunnels == null ? 0 : Tunnels.HEADER;
        int overhead = prefix + (tunnels == null ? 0 : Tunnels.OVERHEAD);
        boolean gso = bind.gso();
        int s = -1;
        int fill = 0;
        int slotSegments = 0;
        int segmentSize = 0;
        int segments = 0;
        while (splitter.hasNext()) {
            int next = splitter.nextLength();
            if (s < 0 || !gso || fill + next + overhead > GSO_MAX_BYTES || slotSegments == GSO_MAX_SEGMENTS) {
                if (s >= 0 && fill > 0) {
                    close(s, fill, segmentSize, dest);
                }
                s = slot();
                fill = 0;
                slotSegments = 0;
                // Every segment but the last is exactly the first one's length, sealed or not.
                segmentSize = gso ? next + overhead : 0;
            }
            ByteBuffer slot = slots[s];
            if (prefix > 0) {
                slot.put(fill + head, b, pkt - prefix, prefix);
            }
            int written = splitter.next(slot, fill + head + prefix);
            int size = prefix + written;
            if (tunnels != null) {
                size = tunnels.seal(cipher, tunnel, slot, fill, size);
                if (size < 0) {
                    break; // no key: the rest of the super-packet is dropped (counted); what is sealed goes
                }
            }
            fill += size;
            slotSegments++;
            segments++;
            splitBytes += written;
        }
        if (fill > 0) {
            close(s, fill, segmentSize, dest);
        }
        return segments;
    }

    /** The inner bytes (IP packets, without prefix) of the segments the last {@link #split} queued. */
    public long splitBytes() {
        return splitBytes;
    }

    private void close(int s, int fill, int segmentSize, long dest) {
        out.begin(dest, segmentSize);
        out.add(slots[s], slotAddresses[s], 0, fill);
    }

    /** A free slot index, sending what is ready first when there is none. */
    private int slot() throws IOException {
        if (slotsUsed == slots.length) {
            flush();
        }
        return slotsUsed++;
    }

    /** Sends everything queued (holding the send lock, if any) and empties the batch. */
    public void flush() throws IOException {
        try {
            if (out.messages() > 0) {
                if (sendLock == null) {
                    bind.send(out);
                } else {
                    synchronized (sendLock) {
                        bind.send(out);
                    }
                }
            }
        } finally {
            out.clear();
            slotsUsed = 0;
        }
    }
}

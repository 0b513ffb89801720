package dev.crossnet.backend.udp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.tun.TunDevice;
import java.io.ByteArrayOutputStream;
import dev.crossnet.sys.LibC;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Segmentation and coalescing checked against packets the Linux kernel produced (recorded by
 * {@link OffloadCaptureIT} into {@code src/test/resources/dev/crossnet/backend/udp/kernel}):
 * {@code tso-N.bin} is a TCP super-packet read from a TUN with {@code IFF_VNET_HDR} (virtio_net_hdr
 * + packet), {@code gro-N.bin} a UDP GRO read (4-byte gso_size, then the datagrams). No root needed.
 */
class KernelPacketsTest {

    static final int MTU = 1472;

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3})
    void split_kernelTsoPacket_validSegmentsCarryingThePayloadInOrder(int n) throws IOException {
        ByteBuffer in = direct(resource("tso-" + n + ".bin"));
        int len = in.capacity() - VirtioNetHdr.SIZE;
        int mss = VirtioNetHdr.gsoSize(in, 0);
        assertThat(VirtioNetHdr.gsoType(in, 0)).isEqualTo(VirtioNetHdr.GSO_TCPV4);
        List<byte[]> segs = split(in, VirtioNetHdr.SIZE, len, mss);
        int ihl = (in.get(VirtioNetHdr.SIZE) & 0x0f) * 4;
        int headers = ihl + ((in.get(VirtioNetHdr.SIZE + ihl + 12) & 0xff) >>> 4) * 4;
        assertThat(segs).hasSize((len - headers + mss - 1) / mss);
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        int seq = in.getInt(VirtioNetHdr.SIZE + ihl + 4);
        for (int i = 0; i < segs.size(); i++) {
            ByteBuffer s = ByteBuffer.wrap(segs.get(i));
            assertThat(PacketValidator.isWellFormedIpv4(direct(segs.get(i)), 0, s.capacity())).as("segment %d", i).isTrue();
            assertThat(s.capacity()).isLessThanOrEqualTo(MTU);
            assertThat(tcpChecksumValid(direct(segs.get(i)))).as("TCP checksum of segment %d", i).isTrue();
            assertThat(s.getInt(ihl + 4)).isEqualTo(seq + payload.size());
            assertThat(s.getShort(4) & 0xffff).isEqualTo(((in.getShort(VirtioNetHdr.SIZE + 4) & 0xffff) + i) & 0xffff);
            int flags = s.get(ihl + 13) & 0xff;
            if (i < segs.size() - 1) {
                assertThat(flags & (TsoSplitter.FIN | TsoSplitter.PSH)).isZero();
                assertThat(s.capacity() - headers).isEqualTo(mss);
            }
            payload.write(segs.get(i), headers, s.capacity() - headers);
        }
        byte[] original = new byte[len - headers];
        in.get(VirtioNetHdr.SIZE + headers, original);
        assertThat(payload.toByteArray()).isEqualTo(original);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3})
    void coalesce_splitKernelTsoPacket_givesBackTheSuperPacket(int n) throws IOException {
        ByteBuffer in = direct(resource("tso-" + n + ".bin"));
        int len = in.capacity() - VirtioNetHdr.SIZE;
        int mss = VirtioNetHdr.gsoSize(in, 0);
        List<byte[]> written = coalesce(split(in, VirtioNetHdr.SIZE, len, mss));
        assertThat(written).hasSize(1);
        ByteBuffer out = direct(written.get(0));
        int ihl = (in.get(VirtioNetHdr.SIZE) & 0x0f) * 4;
        int headers = ihl + ((in.get(VirtioNetHdr.SIZE + ihl + 12) & 0xff) >>> 4) * 4;
        assertThat(VirtioNetHdr.gsoType(out, 0)).isEqualTo(VirtioNetHdr.GSO_TCPV4);
        assertThat(VirtioNetHdr.gsoSize(out, 0)).isEqualTo(mss);
        assertThat(VirtioNetHdr.flags(out, 0)).isEqualTo(VirtioNetHdr.F_NEEDS_CSUM);
        assertThat(VirtioNetHdr.csumStart(out, 0)).isEqualTo(ihl);
        assertThat(VirtioNetHdr.csumOffset(out, 0)).isEqualTo(16);
        assertThat(out.get(3) & 0xff).isEqualTo(0); // hdr_len high byte (little-endian)
        assertThat(out.get(2) & 0xff).isEqualTo(headers);
        assertThat(out.capacity()).isEqualTo(in.capacity());
        assertThat(PacketValidator.isWellFormedIpv4(out, VirtioNetHdr.SIZE, len)).isTrue();
        byte[] a = written.get(0);
        byte[] b = resource("tso-" + n + ".bin");
        // Equal apart from the IP header checksum and the TCP checksum field (a partial sum on both sides).
        for (int at : new int[] {VirtioNetHdr.SIZE + 10, VirtioNetHdr.SIZE + ihl + 16}) {
            a[at] = b[at] = a[at + 1] = b[at + 1] = 0;
        }
        assertThat(Arrays.copyOfRange(a, VirtioNetHdr.SIZE, a.length)).isEqualTo(Arrays.copyOfRange(b, VirtioNetHdr.SIZE, b.length));
    }

    @Test
    void coalesce_segmentWithBadTcpChecksum_notMergedButWrittenPlainForTheKernelToDrop() throws IOException {
        ByteBuffer in = direct(resource("tso-0.bin"));
        List<byte[]> segments = split(in, VirtioNetHdr.SIZE, in.capacity() - VirtioNetHdr.SIZE, VirtioNetHdr.gsoSize(in, 0));
        assertThat(segments.size()).isGreaterThanOrEqualTo(4);
        byte[] bad = segments.get(2);
        bad[bad.length - 1] ^= 0x5a; // corrupt the payload; IP header still fine, TCP checksum now wrong
        assertThat(tcpChecksumValid(direct(bad))).isFalse();

        List<byte[]> written = coalesce(segments);

        // Segments 0-1 coalesced, the bad one alone and unmarked (the kernel verifies it), then 3.. again.
        assertThat(written).hasSize(3);
        ByteBuffer plain = direct(written.get(1));
        assertThat(VirtioNetHdr.gsoType(plain, 0)).isEqualTo(VirtioNetHdr.GSO_NONE);
        assertThat(VirtioNetHdr.flags(plain, 0)).isZero();
        assertThat(java.util.Arrays.copyOfRange(written.get(1), VirtioNetHdr.SIZE, written.get(1).length)).isEqualTo(bad);
        assertThat(VirtioNetHdr.gsoType(direct(written.get(0)), 0)).isEqualTo(VirtioNetHdr.GSO_TCPV4);
        assertThat(VirtioNetHdr.gsoType(direct(written.get(2)), 0)).isEqualTo(VirtioNetHdr.GSO_TCPV4);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3})
    void groRead_cutAndCoalesced_splitsBackIntoTheSameDatagrams(int n) throws IOException {
        ByteBuffer raw = ByteBuffer.wrap(resource("gro-" + n + ".bin"));
        int seg = raw.getInt(0);
        List<byte[]> datagrams = new ArrayList<>();
        for (int off = 4; off < raw.capacity(); off += seg) {
            datagrams.add(Arrays.copyOfRange(raw.array(), off, Math.min(off + seg, raw.capacity())));
        }
        assertThat(datagrams.size()).isGreaterThan(1);
        for (byte[] d : datagrams) {
            assertThat(PacketValidator.isWellFormedIpv4(direct(d), 0, d.length)).isTrue();
            assertThat(tcpChecksumValid(direct(d))).isTrue();
        }
        List<byte[]> written = coalesce(datagrams);
        List<byte[]> again = new ArrayList<>();
        for (byte[] w : written) {
            ByteBuffer b = direct(w);
            if (VirtioNetHdr.gsoType(b, 0) == VirtioNetHdr.GSO_TCPV4) {
                again.addAll(split(b, VirtioNetHdr.SIZE, w.length - VirtioNetHdr.SIZE, VirtioNetHdr.gsoSize(b, 0)));
            } else {
                again.add(Arrays.copyOfRange(w, VirtioNetHdr.SIZE, w.length));
            }
        }
        assertThat(written.size()).isLessThan(datagrams.size());
        assertThat(again).hasSameSizeAs(datagrams);
        for (int i = 0; i < datagrams.size(); i++) {
            assertThat(again.get(i)).as("datagram %d", i).isEqualTo(datagrams.get(i));
        }
    }

    static List<byte[]> split(ByteBuffer in, int pkt, int len, int mss) {
        TsoSplitter s = new TsoSplitter();
        assertThat(s.begin(in, pkt, len, mss)).isPositive();
        List<byte[]> out = new ArrayList<>();
        ByteBuffer buf = ByteBuffer.allocateDirect(65_536);
        while (s.hasNext()) {
            int l = s.next(buf, 0);
            byte[] p = new byte[l];
            buf.get(0, p);
            out.add(p);
        }
        return out;
    }

    static List<byte[]> coalesce(List<byte[]> packets) throws IOException {
        List<byte[]> written = new ArrayList<>();
        TcpCoalescer c = new TcpCoalescer(new TunDevice() {
            @Override
            public String name() {
                return "capture";
            }

            @Override
            public int read(ByteBuffer[] bufs, int[] sizes, int offset, int timeoutMillis) {
                return 0;
            }

            @Override
            public int write(ByteBuffer[] bufs, int[] sizes, int count, int offset) {
                for (int i = 0; i < count; i++) {
                    byte[] p = new byte[sizes[i]];
                    bufs[i].get(offset, p);
                    written.add(p);
                }
                return count;
            }

            @Override
            public void close() {
            }
        }, 16);
        for (byte[] p : packets) {
            ByteBuffer d = direct(p);
            c.add(d, LibC.address(d), 0, p.length);
        }
        c.flush();
        return written;
    }

    static boolean tcpChecksumValid(ByteBuffer p) {
        int ihl = (p.get(0) & 0x0f) * 4;
        int total = p.getShort(2) & 0xffff;
        return Checksum.fold(Checksum.sum(p, ihl, total - ihl, Checksum.pseudoHeader(p, 0, Checksum.PROTO_TCP, total - ihl))) == 0xffff;
    }

    static ByteBuffer direct(byte[] b) {
        ByteBuffer d = ByteBuffer.allocateDirect(b.length);
        d.put(0, b);
        return d;
    }

    static byte[] resource(String name) throws IOException {
        try (InputStream in = KernelPacketsTest.class.getResourceAsStream("kernel/" + name)) {
            assertThat(in).as("test resource kernel/%s (record with OffloadCaptureIT)", name).isNotNull();
            return in.readAllBytes();
        }
    }
}

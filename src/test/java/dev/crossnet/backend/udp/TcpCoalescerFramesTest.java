package dev.crossnet.backend.udp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.tun.ChannelTun;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link TcpCoalescer} on a TAP ({@code link} = 14): in-order TCP segments behind the same
 * Ethernet header become one GSO frame that keeps that header; a segment behind another source
 * MAC, a frame that is not IPv4, and an IPv4 frame whose total length disagrees with the frame
 * are written as they came, behind an all-zero {@code virtio_net_hdr}.
 */
class TcpCoalescerFramesTest {
    static final long MAC1 = 0x0242c0a86e02L;
    static final long MAC2 = 0x0242c0a86e03L;
    static final int MSS = 1000;

    final ChannelTun tap = new ChannelTun(true);
    final TcpCoalescer c = new TcpCoalescer(tap, 16, 14);
    final List<ByteBuffer> held = new ArrayList<>();

    @Test
    void segmentsOfOneFlowBehindOneEthernetHeader_oneGsoFrameKeepingTheHeader() throws Exception {
        byte[] payload = payload(3 * MSS);
        for (byte[] f : segments(MAC1, payload)) {
            add(f);
        }
        c.flush();
        assertThat(tap.outbound).hasSize(1);
        ByteBuffer g = ByteBuffer.wrap(tap.outbound.poll());
        assertThat(g.get(0)).as("NEEDS_CSUM").isEqualTo((byte) VirtioNetHdr.F_NEEDS_CSUM);
        assertThat(g.get(1)).as("GSO_TCPV4").isEqualTo((byte) VirtioNetHdr.GSO_TCPV4);
        assertThat(VirtioNetHdr.gsoSize(g, 0)).isEqualTo(MSS);
        assertThat(Short.reverseBytes(g.getShort(2))).as("hdr_len").isEqualTo((short) 54);
        assertThat(VirtioNetHdr.csumStart(g, 0)).as("csum_start: from the Ethernet header").isEqualTo(34);
        assertThat(g.getShort(10 + 6) & 0xffff).as("source MAC kept").isEqualTo((int) (MAC1 >>> 32));
        assertThat(g.getShort(10 + 12)).as("ethertype").isEqualTo((short) 0x0800);
        assertThat(g.getShort(10 + 14 + 2) & 0xffff).as("IP total length").isEqualTo(40 + payload.length);
        assertThat(Arrays.copyOfRange(g.array(), 10 + 54, g.capacity())).isEqualTo(payload);
    }

    @Test
    void segmentBehindAnotherSourceMac_notJoined() throws Exception {
        byte[] payload = payload(2 * MSS);
        List<byte[]> s = segments(MAC1, payload);
        ByteBuffer.wrap(s.get(1)).putShort(6, (short) 0x0242).putInt(8, 0x12345678);
        add(s.get(0));
        add(s.get(1));
        c.flush();
        assertThat(tap.outbound).hasSize(2);
    }

    @Test
    void arpFrameAndIpv4WithTrailingBytes_writtenAsTheyCame() throws Exception {
        byte[] arp = new byte[42];
        ByteBuffer.wrap(arp).putShort(12, (short) 0x0806);
        byte[] seg = segments(MAC1, payload(MSS)).get(0);
        byte[] padded = Arrays.copyOf(seg, seg.length + 6); // IP total length no longer the frame's
        add(arp);
        add(padded);
        c.flush();
        assertThat(tap.outbound.poll()).isEqualTo(withZeroHeader(arp));
        assertThat(tap.outbound.poll()).isEqualTo(withZeroHeader(padded));
    }

    private void add(byte[] frame) throws Exception {
        ByteBuffer b = ByteBuffer.allocateDirect(frame.length);
        b.put(0, frame);
        held.add(b);
        c.add(b, dev.crossnet.sys.LibC.address(b), 0, frame.length);
    }

    static byte[] withZeroHeader(byte[] frame) {
        byte[] out = new byte[10 + frame.length];
        System.arraycopy(frame, 0, out, 10, frame.length);
        return out;
    }

    static byte[] payload(int n) {
        byte[] p = new byte[n];
        for (int i = 0; i < n; i++) {
            p[i] = (byte) (i * 13);
        }
        return p;
    }

    /** The frames a TSO split of one TCP packet with {@code payload} makes, each behind the same Ethernet header. */
    static List<byte[]> segments(long srcMac, byte[] payload) {
        ByteBuffer p = ByteBuffer.allocateDirect(40 + payload.length);
        p.put(0, (byte) 0x45).putShort(2, (short) (40 + payload.length)).put(6, (byte) 0x40).put(8, (byte) 64).put(9, (byte) 6)
                .putInt(12, 0xc0a86e02).putInt(16, 0xc0a86e03);
        p.putShort(20, (short) 40000).putShort(22, (short) 5201).putInt(24, 1000).putInt(28, 1)
                .put(32, (byte) 0x50).put(33, (byte) 0x18).putShort(34, (short) 512);
        p.put(40, payload);
        TsoSplitter s = new TsoSplitter();
        s.begin(p, 0, p.capacity(), MSS);
        List<byte[]> out = new ArrayList<>();
        while (s.hasNext()) {
            ByteBuffer f = ByteBuffer.allocateDirect(14 + 40 + MSS);
            f.putShort(0, (short) (MAC2 >>> 32)).putInt(2, (int) MAC2).putShort(6, (short) (srcMac >>> 32)).putInt(8, (int) srcMac)
                    .putShort(12, (short) 0x0800);
            int len = s.next(f, 14);
            byte[] a = new byte[14 + len];
            f.get(0, a);
            out.add(a);
        }
        return out;
    }
}

package dev.crossnet.udp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.kernel.linux.Netns;
import dev.crossnet.sys.GatherBatch;
import dev.crossnet.sys.LibC;
import dev.crossnet.testing.Shell;
import dev.crossnet.tun.LinuxTun;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The gathering writes of the real devices, in a namespace of their own: {@code sendmmsg} with
 * several iovecs per message (with and without a UDP GSO segment size) and TUN {@code writev}
 * deliver exactly the concatenated pieces.
 */
@Tag("integration")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GatherIT {
    private final String ns = "cngt" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff));

    @BeforeEach
    void namespace() {
        Shell.ok("ip", "netns", "add", ns);
        Shell.ok("ip", "-n", ns, "link", "set", "lo", "up");
    }

    @AfterEach
    void remove() {
        Shell.run(10, "ip", "netns", "del", ns);
    }

    private static ByteBuffer filled(int size, int seed) {
        ByteBuffer b = ByteBuffer.allocateDirect(size);
        for (int i = 0; i < size; i++) {
            b.put(i, (byte) (i * 7 + seed));
        }
        return b;
    }

    private static byte[] bytes(ByteBuffer b, int off, int len) {
        byte[] out = new byte[len];
        b.get(off, out);
        return out;
    }

    private static byte[] concat(byte[]... parts) {
        ByteBuffer out = ByteBuffer.allocate(java.util.Arrays.stream(parts).mapToInt(p -> p.length).sum());
        for (byte[] p : parts) {
            out.put(p);
        }
        return out.array();
    }

    @Test
    void udpSend_piecesAndGsoTrain_arriveAsTheConcatenatedDatagrams() throws Exception {
        Netns.exec(ns, () -> {
            long loopback = Endpoints.of(0x7f000001, 0);
            try (LinuxUdp tx = LinuxUdp.open(loopback, 8, true);
                 DatagramChannel rx = DatagramChannel.open()) {
                rx.bind(new InetSocketAddress("127.0.0.1", 0));
                long dest = Endpoints.of(0x7f000001, ((InetSocketAddress) rx.getLocalAddress()).getPort());
                assertThat(tx.gso()).as("UDP GSO on this kernel").isTrue();
                ByteBuffer a = filled(4096, 1);
                ByteBuffer b = filled(4096, 2);
                GatherBatch g = new GatherBatch(4, 16);
                g.begin(dest, 0); // one datagram of three pieces
                g.add(a, LibC.address(a), 0, 10);
                g.add(b, LibC.address(b), 100, 300);
                g.add(a, LibC.address(a), 50, 5);
                g.begin(dest, 100); // 100 + 100 + 50 bytes, cut by the kernel
                g.add(b, LibC.address(b), 0, 40);
                g.add(a, LibC.address(a), 1000, 160);
                g.add(b, LibC.address(b), 2000, 50);

                assertThat(tx.send(g)).isEqualTo(2);

                byte[] first = concat(bytes(a, 0, 10), bytes(b, 100, 300), bytes(a, 50, 5));
                byte[] train = concat(bytes(b, 0, 40), bytes(a, 1000, 160), bytes(b, 2000, 50));
                byte[][] want = {first, java.util.Arrays.copyOfRange(train, 0, 100),
                    java.util.Arrays.copyOfRange(train, 100, 200), java.util.Arrays.copyOfRange(train, 200, 250)};
                for (byte[] w : want) {
                    ByteBuffer got = ByteBuffer.allocate(2048);
                    rx.receive(got);
                    got.flip();
                    byte[] d = new byte[got.remaining()];
                    got.get(d);
                    assertThat(d).isEqualTo(w);
                }
            }
        });
    }

    @Test
    void udpSend_kernelRefusesGso_trainSentAsSeparateDatagramsAndGsoTurnedOff() throws Exception {
        Netns.exec(ns, () -> {
            try (LinuxUdp tx = LinuxUdp.open(Endpoints.of(0x7f000001, 0), 8, true);
                 DatagramChannel rx = DatagramChannel.open()) {
                rx.bind(new InetSocketAddress("127.0.0.1", 0));
                long dest = Endpoints.of(0x7f000001, ((InetSocketAddress) rx.getLocalAddress()).getPort());
                assertThat(tx.gso()).isTrue();
                // A socket that sends without UDP checksums: the kernel refuses GSO with EINVAL.
                ByteBuffer one = ByteBuffer.allocateDirect(4).order(java.nio.ByteOrder.nativeOrder()).putInt(0, 1);
                assertThat(LibC.setsockopt(tx.fd(), LibC.SOL_SOCKET, LibC.SO_NO_CHECK, LibC.address(one), 4)).isZero();
                ByteBuffer a = filled(4096, 5);
                GatherBatch g = new GatherBatch(4, 4);
                g.begin(dest, 1000);
                g.add(a, LibC.address(a), 0, 2500);
                g.begin(dest, 1000); // a second train in the same call
                g.add(a, LibC.address(a), 3000, 1000);

                assertThat(tx.send(g)).isEqualTo(2);

                assertThat(tx.gso()).isFalse();
                assertThat(tx.sendErrors()).isZero();
                int[][] want = {{0, 1000}, {1000, 1000}, {2000, 500}, {3000, 1000}};
                for (int[] w : want) {
                    ByteBuffer got = ByteBuffer.allocate(2048);
                    rx.receive(got);
                    got.flip();
                    byte[] d = new byte[got.remaining()];
                    got.get(d);
                    assertThat(d).as("datagram at %d", w[0]).isEqualTo(bytes(a, w[0], w[1]));
                }
            }
        });
    }

    @Test
    void tunWrite_headerAndPayloadPieces_deliveredToALocalSocketIntact() throws Exception {
        Netns.exec(ns, () -> {
            try (LinuxTun tun = LinuxTun.open("cngt0", true);
                 DatagramChannel rx = DatagramChannel.open()) {
                Shell.ok("ip", "-n", ns, "addr", "add", "10.99.0.1/24", "dev", "cngt0");
                Shell.ok("ip", "-n", ns, "link", "set", "cngt0", "up");
                rx.bind(new InetSocketAddress("10.99.0.1", 4242));
                assertThat(tun.vnetHdr()).isTrue();
                ByteBuffer payload = filled(3000, 3);
                int len = 1200;
                // virtio_net_hdr (all zero: complete packet), IPv4 + UDP headers, then the payload.
                ByteBuffer hdr = ByteBuffer.allocateDirect(10 + 28);
                hdr.put(10, (byte) 0x45);
                hdr.putShort(12, (short) (28 + len));
                hdr.put(18, (byte) 64);
                hdr.put(19, (byte) 17);
                hdr.putInt(22, 0x0a630002); // 10.99.0.2
                hdr.putInt(26, 0x0a630001); // 10.99.0.1
                int sum = 0;
                for (int i = 10; i < 30; i += 2) {
                    sum += hdr.getShort(i) & 0xffff;
                }
                sum = (sum & 0xffff) + (sum >>> 16);
                hdr.putShort(20, (short) ~sum);
                hdr.putShort(30, (short) 5000);
                hdr.putShort(32, (short) 4242);
                hdr.putShort(34, (short) (8 + len));
                hdr.putShort(36, (short) 0); // no UDP checksum (allowed on IPv4)
                GatherBatch g = new GatherBatch(2, 4);
                g.begin(0, 0);
                g.add(hdr, LibC.address(hdr), 0, 38);
                g.add(payload, LibC.address(payload), 500, 700);
                g.add(payload, LibC.address(payload), 2000, 500);

                assertThat(tun.write(g)).isEqualTo(1);

                ByteBuffer got = ByteBuffer.allocate(2048);
                rx.receive(got);
                got.flip();
                byte[] d = new byte[got.remaining()];
                got.get(d);
                assertThat(d).isEqualTo(concat(bytes(payload, 500, 700), bytes(payload, 2000, 500)));
            }
        });
    }
}

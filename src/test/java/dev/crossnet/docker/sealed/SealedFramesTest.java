package dev.crossnet.docker.sealed;

import static dev.crossnet.testing.ByteSearch.contains;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crossnet.metrics.MetricFamilies;
import dev.crossnet.pki.ClusterCa;
import dev.crossnet.pki.HostCertificateRequest;
import dev.crossnet.seal.Limits;
import dev.crossnet.seal.SealClock;
import dev.crossnet.seal.Tunnels;
import dev.crossnet.seal.X25519;
import dev.crossnet.seal.X509Certificates;
import dev.crossnet.tun.ChannelTun;
import dev.crossnet.udp.ChannelBind;
import dev.crossnet.udp.ChannelBind.Datagram;
import dev.crossnet.udp.Endpoints;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The encrypted Docker datapath's loops ({@link FrameTx}, {@link FrameRx}, {@link TapPort}) between
 * two hosts over channel fakes joined by a "wire" thread that records every datagram: with and
 * without a {@code virtio_net_hdr} on the TAPs. Frames arrive intact and never in clear; a TSO
 * super-frame goes out as sealed MSS-sized frames and comes in whole; a frame from an address
 * that is not the sending host's endpoint is dropped, split or not.
 */
class SealedFramesTest {
    static final int VNI = 4097;
    static final int H1 = ip("172.30.0.11");
    static final int H2 = ip("172.30.0.12");
    static final long MAC1 = 0x0242c0a86e02L;
    static final long MAC2 = 0x0242c0a86e03L;
    static final int IP1 = ip("192.168.110.2");
    static final int IP2 = ip("192.168.110.3");
    static final byte[] PATTERN = "0123456789abcdef-PATTERN-fedcba9876543210".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    final ClusterCa ca = ClusterCa.create("test CA", Clock.systemUTC());
    final List<Datagram> captured = new CopyOnWriteArrayList<>();
    final List<SealedDatapath> running = new ArrayList<>();
    final PrometheusRegistry m1 = new PrometheusRegistry();
    final PrometheusRegistry m2 = new PrometheusRegistry();
    volatile boolean wireRuns = true;
    Thread wire;

    record Host(ChannelTun tap, ChannelBind bind, SealedDatapath dp) {
    }

    @AfterEach
    void stop() throws InterruptedException {
        wireRuns = false;
        running.forEach(SealedDatapath::close);
        if (wire != null) {
            wire.join(5000);
        }
    }

    private Host[] pair(boolean vnet) throws Exception {
        byte[] k1 = X25519.generatePrivate();
        byte[] k2 = X25519.generatePrivate();
        Map<String, byte[]> certs = Map.of("h1", certificate("h1", k1), "h2", certificate("h2", k2));
        X509Certificates verifier = X509Certificates.trusting(ca.certificate().getEncoded());
        Host a = host(vnet, H1, "h1", k1, certs, verifier, m1, new FrameTable.Remote("h2", H2, IP2, MAC2));
        Host b = host(vnet, H2, "h2", k2, certs, verifier, m2, new FrameTable.Remote("h1", H1, IP1, MAC1));
        wire = new Thread(() -> {
            while (wireRuns) {
                carry(a, b);
                carry(b, a);
            }
        }, "wire");
        wire.setDaemon(true);
        wire.start();
        return new Host[] {a, b};
    }

    private byte[] certificate(String host, byte[] key) throws Exception {
        return ca.issue(HostCertificateRequest.x25519(host, X25519.publicKey(key), List.of(), List.of("10.5.0.0/16"))).getEncoded();
    }

    private Host host(boolean vnet, int self, String name, byte[] key, Map<String, byte[]> certs, X509Certificates verifier,
                      PrometheusRegistry metrics, FrameTable.Remote remote) {
        ChannelBind bind = new ChannelBind(Endpoints.of(self, SealedDatapath.PORT));
        ChannelTun tap = new ChannelTun(vnet);
        SealedDatapath.HandshakeSender sender = new SealedDatapath.HandshakeSender(bind);
        Tunnels tunnels = new Tunnels(key, certs.get(name), verifier, Limits.DEFAULT, SealClock.SYSTEM, sender::send, metrics);
        SealedDatapath dp = new SealedDatapath(tunnels, bind, sender, vni -> tap, vnet ? 64 : 1, () -> certs, metrics);
        running.add(dp);
        dp.startReceiving();
        dp.attach(VNI);
        dp.program(VNI, List.of(remote));
        return new Host(tap, bind, dp);
    }

    private void carry(Host from, Host to) {
        try {
            Datagram d = from.bind().outbound.poll(5, TimeUnit.MILLISECONDS);
            if (d != null) {
                captured.add(d);
                to.bind().inbound.add(new Datagram(from.bind().localEndpoint(), d.payload()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @ParameterizedTest(name = "virtio_net_hdr {0}")
    @ValueSource(booleans = {false, true})
    void frame_afterHandshake_deliveredIntactAndNeverInClearOnTheWire(boolean vnet) throws Exception {
        Host[] h = pair(vnet);
        byte[] frame = udpFrame(MAC1, MAC2, IP1, IP2);
        byte[] got = deliver(h[0], h[1], withHeader(vnet, frame));
        assertThat(got).isEqualTo(withHeader(vnet, frame));
        assertThat(captured).isNotEmpty().allSatisfy(d -> {
            assertThat(contains(d.payload(), PATTERN)).as("pattern on the wire").isFalse();
            assertThat(d.payload()[0]).as("message type").isIn((byte) 1, (byte) 2, (byte) 4);
        });
        assertThat(captured).anySatisfy(d -> assertThat(d.payload()).hasSize(32 + 4 + frame.length));
    }

    @ParameterizedTest(name = "virtio_net_hdr {0}")
    @ValueSource(booleans = {false, true})
    void frameFromAnAddressNotTheSendersEndpoint_droppedAsInnerSource(boolean vnet) throws Exception {
        Host[] h = pair(vnet);
        deliver(h[0], h[1], withHeader(vnet, udpFrame(MAC1, MAC2, IP1, IP2))); // the session is up
        long before = drops(m2, FrameDrop.INNER_SOURCE);
        h[0].tap().inbound.add(withHeader(vnet, udpFrame(MAC1, MAC2, ip("192.168.110.99"), IP2))); // h1's MAC, another IP
        h[0].tap().inbound.add(withHeader(vnet, udpFrame(0x0242c0a86e63L, MAC2, IP1, IP2))); // a MAC of no endpoint of h1
        await().atMost(Duration.ofSeconds(30)).until(() -> drops(m2, FrameDrop.INNER_SOURCE) - before == 2);
        assertThat(h[1].tap().outbound.poll(200, TimeUnit.MILLISECONDS)).as("delivered").isNull();
    }

    @org.junit.jupiter.api.Test
    void tsoSuperFrame_sealedPerSegment_coalescedOnReceive() throws Exception {
        Host[] h = pair(true);
        deliver(h[0], h[1], withHeader(true, udpFrame(MAC1, MAC2, IP1, IP2)));
        captured.clear();
        int mss = 1000;
        byte[] payload = new byte[3 * mss];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) (i * 7);
        }
        h[0].tap().inbound.add(tsoFrame(MAC1, MAC2, IP1, IP2, payload, mss));
        // Coalesced into one frame when the three datagrams come in one receive batch, else as they came.
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        int frames = 0;
        while (got.size() < payload.length) {
            byte[] f = h[1].tap().outbound.poll(30, TimeUnit.SECONDS);
            assertThat(f).as("a frame on h2's TAP").isNotNull();
            if (f[10 + 14 + 9] == 17) {
                continue; // a late copy of deliver()'s UDP frame (it resends until one arrives), not the TCP segments
            }
            ByteBuffer g = ByteBuffer.wrap(f);
            if (g.get(1) == 1) {
                assertThat(Short.reverseBytes(g.getShort(4))).as("gso_size").isEqualTo((short) mss);
            }
            got.write(f, 10 + 14 + 40, f.length - 10 - 14 - 40);
            frames++;
        }
        assertThat(frames).isBetween(1, 3);
        assertThat(got.toByteArray()).as("the payload, whole and in order").isEqualTo(payload);
        assertThat(captured).as("one sealed datagram per segment").hasSize(3)
                .allSatisfy(d -> assertThat(d.payload()).hasSize(32 + 4 + 14 + 40 + mss));
        // The same super-frame from an address not h1's endpoint: every segment refused.
        long before = drops(m2, FrameDrop.INNER_SOURCE);
        h[0].tap().inbound.add(tsoFrame(MAC1, MAC2, ip("192.168.110.99"), IP2, payload, mss));
        await().atMost(Duration.ofSeconds(30)).until(() -> drops(m2, FrameDrop.INNER_SOURCE) - before == 3);
        assertThat(h[1].tap().outbound.poll(200, TimeUnit.MILLISECONDS)).as("delivered").isNull();
    }

    // --- helpers

    /** Sends the frame from A until B's TAP gets one; returns it. */
    private static byte[] deliver(Host a, Host b, byte[] frame) {
        byte[][] got = new byte[1][];
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            a.tap().inbound.add(frame);
            got[0] = b.tap().outbound.poll(200, TimeUnit.MILLISECONDS);
            return got[0] != null;
        });
        b.tap().outbound.clear();
        return got[0];
    }

    static byte[] withHeader(boolean vnet, byte[] frame) {
        if (!vnet) {
            return frame;
        }
        byte[] out = new byte[10 + frame.length];
        System.arraycopy(frame, 0, out, 10, frame.length);
        return out;
    }

    /** An Ethernet frame carrying IPv4/UDP with {@link #PATTERN} in its payload. */
    static byte[] udpFrame(long srcMac, long dstMac, int src, int dst) {
        ByteBuffer b = ethernetIpv4(srcMac, dstMac, src, dst, 17, 8 + 200);
        b.putShort(34, (short) 40000).putShort(36, (short) 5000).putShort(38, (short) 208);
        b.put(34 + 8 + 10, PATTERN);
        return b.array();
    }

    /** A TCP super-frame behind a virtio_net_hdr with GSO_TCPV4 and NEEDS_CSUM, as a TAP with TSO hands it over. */
    static byte[] tsoFrame(long srcMac, long dstMac, int src, int dst, byte[] payload, int mss) {
        ByteBuffer f = ethernetIpv4(srcMac, dstMac, src, dst, 6, 20 + payload.length);
        f.putShort(34, (short) 40000).putShort(36, (short) 5201).putInt(38, 1000).putInt(42, 1);
        f.put(46, (byte) 0x50).put(47, (byte) 0x18).putShort(48, (short) 512); // data offset 5, ACK|PSH, window
        f.put(54, payload);
        ByteBuffer out = ByteBuffer.allocate(10 + f.capacity());
        out.put(0, (byte) 1).put(1, (byte) 1); // NEEDS_CSUM, GSO_TCPV4
        out.putShort(2, Short.reverseBytes((short) 54)).putShort(4, Short.reverseBytes((short) mss));
        out.putShort(6, Short.reverseBytes((short) 34)).putShort(8, Short.reverseBytes((short) 16));
        out.put(10, f.array());
        return out.array();
    }

    private static ByteBuffer ethernetIpv4(long srcMac, long dstMac, int src, int dst, int proto, int l4) {
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + l4);
        b.putShort(0, (short) (dstMac >>> 32)).putInt(2, (int) dstMac);
        b.putShort(6, (short) (srcMac >>> 32)).putInt(8, (int) srcMac);
        b.putShort(12, (short) 0x0800);
        b.put(14, (byte) 0x45).putShort(16, (short) (20 + l4)).put(14 + 6, (byte) 0x40).put(14 + 8, (byte) 64)
                .put(14 + 9, (byte) proto).putInt(14 + 12, src).putInt(14 + 16, dst);
        return b;
    }

    static long drops(PrometheusRegistry r, FrameDrop reason) {
        return MetricFamilies.counter(r, SealedDatapath.DROPS, "", "reason").labelValues(reason.label()).getLongValue();
    }

    static int ip(String dotted) {
        String[] p = dotted.split("\\.");
        return Integer.parseInt(p[0]) << 24 | Integer.parseInt(p[1]) << 16 | Integer.parseInt(p[2]) << 8 | Integer.parseInt(p[3]);
    }
}

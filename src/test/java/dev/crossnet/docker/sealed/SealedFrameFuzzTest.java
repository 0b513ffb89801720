package dev.crossnet.docker.sealed;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.crossnet.docker.sealed.FrameTable.Remote;
import dev.crossnet.model.Subnet;
import dev.crossnet.seal.CertificateRejected;
import dev.crossnet.seal.Certificates;
import dev.crossnet.seal.Limits;
import dev.crossnet.seal.PacketCipher;
import dev.crossnet.seal.PeerIdentity;
import dev.crossnet.seal.SealClock;
import dev.crossnet.seal.Tunnel;
import dev.crossnet.seal.Tunnels;
import dev.crossnet.seal.X25519;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the encrypted Docker datapath's receive path as {@code SealedDatapath} runs it, minus
 * the I/O: {@link Tunnels#openUnchecked} (the decoder: type, key, tag, replay window), then
 * {@link FrameSwitch#opened} (the VNI, then the frame against the sending host's endpoints). Host
 * "h2" holds a live session with host "a"; host "c" has endpoints but no session. Two properties:
 * an arbitrary datagram never throws and is never delivered; and an arbitrary VNI + frame that
 * "a" genuinely sealed is delivered exactly when an independent reference of the inner rules
 * allows it, and then unchanged. {@code mvn test} runs the seeded loops and the corpus;
 * {@code JAZZER_FUZZ=1 mvn test -Dtest=SealedFrameFuzzTest} fuzzes with coverage guidance.
 */
class SealedFrameFuzzTest {
    static final int VNI = 4097;
    static final int OTHER_VNI = 4098;
    static final int OFF = 3; // an odd offset in a direct buffer, as a datapath's buffers may hold it
    static final Remote A1 = new Remote("a", 0x0a00_0001, ip(192, 168, 110, 2), FrameTable.mac("02:42:c0:a8:6e:02"));
    static final Remote A2 = new Remote("a", 0x0a00_0001, ip(192, 168, 110, 5), FrameTable.mac("02:42:c0:a8:6e:05"));
    static final Remote C1 = new Remote("c", 0x0a00_0003, ip(192, 168, 110, 4), FrameTable.mac("02:42:c0:a8:6e:04"));
    /** On the other network, "a" has another endpoint; "c"'s MAC there takes A1's address. */
    static final Remote A3 = new Remote("a", 0x0a00_0001, ip(192, 168, 120, 3), FrameTable.mac("02:42:c0:a8:78:03"));
    static final Remote C2 = new Remote("c", 0x0a00_0003, ip(192, 168, 110, 2), FrameTable.mac("02:42:c0:a8:78:04"));
    static final Map<Integer, List<Remote>> NETWORKS = Map.of(VNI, List.of(A1, A2, C1), OTHER_VNI, List.of(A3, C2));
    static final Map<Integer, FrameTable> TABLES = Map.of(VNI, FrameTable.of(NETWORKS.get(VNI)),
            OTHER_VNI, FrameTable.of(NETWORKS.get(OTHER_VNI)));

    /**
     * Time stands still: keys never age out however long a run takes, and each source gets one
     * burst of handshake tokens, after which initiations stop at the rate bound (keeps runs fast).
     */
    static final SealClock STILL = new SealClock() {
        private final Instant wall = Instant.now();

        @Override
        public long nanoTime() {
            return 1_000_000_000L;
        }

        @Override
        public Instant now() {
            return wall;
        }
    };

    private static Pair pair;

    static int ip(int a, int b, int c, int d) {
        return a << 24 | b << 16 | c << 8 | d;
    }

    /** Host "a" and host "h2" back to back, a session between them, and genuine datagrams a sent. */
    static final class Pair {
        final byte[] aKey = X25519.generatePrivate();
        final byte[] bKey = X25519.generatePrivate();
        final byte[] aCert = "certificate of a".getBytes(StandardCharsets.US_ASCII);
        final byte[] bCert = "certificate of h2".getBytes(StandardCharsets.US_ASCII);
        final Deque<byte[]> wire = new ArrayDeque<>();
        final Tunnels a;
        final Tunnels b;
        final Tunnel aToB;
        final PacketCipher aCipher = new PacketCipher();
        final PacketCipher bCipher = new PacketCipher();
        final List<byte[]> genuine = new ArrayList<>();

        Pair() throws CertificateRejected {
            // Stub certificates (no BouncyCastle under Jazzer's instrumentation, as in TunnelsFuzzTest).
            PeerIdentity aId = new PeerIdentity("a", X25519.publicKey(aKey), List.of(Subnet.parse("10.5.1.0/24")), Instant.MAX);
            PeerIdentity bId = new PeerIdentity("h2", X25519.publicKey(bKey), List.of(Subnet.parse("10.5.2.0/24")), Instant.MAX);
            Certificates verifier = (der, now) -> {
                if (Arrays.equals(der, aCert)) {
                    return aId;
                }
                if (Arrays.equals(der, bCert)) {
                    return bId;
                }
                throw new CertificateRejected("unknown certificate");
            };
            a = new Tunnels(aKey, aCert, verifier, Limits.DEFAULT, STILL, (to, d) -> wire.add(d), new PrometheusRegistry());
            b = new Tunnels(bKey, bCert, verifier, Limits.DEFAULT, STILL, (to, d) -> wire.add(d), new PrometheusRegistry());
            aToB = a.addPeer(bCert, 2);
            b.addPeer(aCert, 1);
            a.initiate(aToB);
            genuine.add(wire.peek().clone()); // an initiation
            byte[] response = b.handshake(bCipher, wire.poll(), 1);
            byte[] keepalive = a.handshake(aCipher, response, 2);
            assertThat(receive(keepalive)).as("the initiator's key confirmation").isEqualTo(0);
            for (Remote from : List.of(A1, A2)) {
                byte[] d = seal(inner(VNI, ipv4Frame(C1.mac(), from.mac(), from.ip())));
                // Delivered once here, so an unchanged copy from the fuzzer is a replay, not a delivery.
                assertThat(receive(d)).as("a genuine frame from %s", from).isPositive();
                genuine.add(d);
            }
        }

        /** {@code inner} (a VNI and a frame) sealed by "a" for "h2". */
        byte[] seal(byte[] inner) {
            ByteBuffer buf = ByteBuffer.allocate(Tunnels.HEADER + inner.length + 16);
            buf.put(Tunnels.HEADER, inner);
            int n = a.seal(aCipher, aToB, buf, 0, inner.length);
            assertThat(n).as("sealed").isPositive();
            return Arrays.copyOf(buf.array(), n);
        }

        /**
         * What h2's receive path does with {@code datagram}: the opened length when delivered (0 for a
         * keepalive), {@link Tunnels#HANDSHAKE}, a negative drop code of Tunnels, or {@code
         * Integer.MIN_VALUE + 1 + FrameDrop ordinal} for a frame refused by the inner checks.
         */
        int receive(byte[] datagram) {
            ByteBuffer buf = ByteBuffer.allocateDirect(datagram.length + OFF);
            buf.put(OFF, datagram);
            int n = b.openUnchecked(bCipher, buf, OFF, datagram.length);
            if (n <= 0) {
                return n;
            }
            // As FrameRx: the table of the network the VNI names, if the payload holds one.
            FrameTable t = n >= 4 ? TABLES.get(buf.getInt(OFF + Tunnels.HEADER)) : null;
            FrameDrop refused = FrameSwitch.opened(t, bCipher.peer().identity().hostName(), buf, OFF + Tunnels.HEADER, n);
            if (refused != null) {
                return Integer.MIN_VALUE + 1 + refused.ordinal();
            }
            byte[] delivered = new byte[n];
            buf.get(OFF + Tunnels.HEADER, delivered);
            lastDelivered = delivered;
            return n;
        }

        byte[] lastDelivered;
    }

    static synchronized Pair pair() throws CertificateRejected {
        if (pair == null) {
            pair = new Pair();
        }
        return pair;
    }

    /** Input: the datagram, as it came off the socket. */
    @FuzzTest(maxDuration = "30s")
    void receive_anyDatagram_nothingDeliveredOrAnswered(byte[] datagram) throws Exception {
        Pair p = pair();
        int r = p.receive(datagram);
        String what = HexFormat.of().formatHex(datagram);
        if (r == Tunnels.HANDSHAKE) {
            assertThat(p.b.handshake(p.bCipher, datagram, 1)).as("answered %s", what).isNull();
        } else {
            assertThat(r).as("result for %s", what).isLessThanOrEqualTo(0);
        }
    }

    /** Input: the inner bytes (a VNI and a frame) that the peer "a" seals genuinely. */
    @FuzzTest(maxDuration = "30s")
    void opened_anyPayloadSealedByThePeer_deliveredExactlyWhenTheReferenceAllows(byte[] inner) throws Exception {
        if (inner.length > 2048) {
            return;
        }
        Pair p = pair();
        p.lastDelivered = null;
        int r = p.receive(p.seal(inner));
        String what = HexFormat.of().formatHex(inner);
        if (reference(inner, "a")) {
            assertThat(r).as("delivered: %s", what).isEqualTo(inner.length);
            assertThat(p.lastDelivered).as("unchanged: %s", what).isEqualTo(inner);
        } else {
            assertThat(r).as("refused: %s", what).isLessThanOrEqualTo(0);
        }
    }

    /** A seeded mutation fuzzer in every build: genuine datagrams flipped, cut, extended, spliced. */
    @Test
    void receive_mutatedGenuineDatagrams_neverDelivered() throws Exception {
        Pair p = pair();
        Random rnd = new Random(20_261_128);
        for (int i = 0; i < 5_000; i++) {
            byte[] d = p.genuine.get(rnd.nextInt(p.genuine.size())).clone();
            switch (rnd.nextInt(4)) {
                case 0 -> d[rnd.nextInt(d.length)] ^= (byte) (1 << rnd.nextInt(8));
                case 1 -> d = Arrays.copyOf(d, rnd.nextInt(d.length));
                case 2 -> d = Arrays.copyOf(d, d.length + 1 + rnd.nextInt(16));
                default -> d[rnd.nextInt(Math.min(d.length, 16))] = (byte) rnd.nextInt(256);
            }
            receive_anyDatagram_nothingDeliveredOrAnswered(d);
        }
        for (byte[] g : p.genuine) {
            receive_anyDatagram_nothingDeliveredOrAnswered(g); // replays, every one
        }
    }

    /** The seeded loop of the second property: frames that pass, mutated in their headers, and odd lengths. */
    @Test
    void opened_mutatedFramesFromThePeer_matchTheReference() throws Exception {
        Random rnd = new Random(20_261_129);
        Remote[] all = {A1, A2, C1, A3, C2};
        int delivered = 0;
        for (int i = 0; i < 4_000; i++) {
            Remote from = all[rnd.nextInt(all.length)];
            Remote to = all[rnd.nextInt(all.length)];
            int vni = rnd.nextInt(8) == 0 ? rnd.nextInt() : (rnd.nextBoolean() ? VNI : OTHER_VNI);
            byte[] frame = rnd.nextBoolean() ? ipv4Frame(to.mac(), from.mac(), from.ip()) : arpFrame(to.mac(), from.mac(), from.ip());
            byte[] inner = inner(vni, frame);
            switch (rnd.nextInt(5)) {
                case 0 -> inner[rnd.nextInt(Math.min(inner.length, 4 + 14 + 20))] ^= (byte) (1 << rnd.nextInt(8));
                case 1 -> inner = Arrays.copyOf(inner, rnd.nextInt(inner.length + 1));
                case 2 -> inner[4] |= 1; // multicast destination
                default -> { } // as built: the reference decides
            }
            if (reference(inner, "a")) {
                delivered++;
            }
            opened_anyPayloadSealedByThePeer_deliveredExactlyWhenTheReferenceAllows(inner);
        }
        assertThat(delivered).as("the loop reached frames that pass, too").isGreaterThan(100);
    }

    /**
     * The inner rules, written from the package doc apart from {@link FrameSwitch}: at least a VNI
     * and an Ethernet header; a network with a segment here; a unicast destination; IPv4 (with a
     * whole 20-byte header) or ARP (with a whole IPv4-over-Ethernet packet); a source MAC that is an
     * endpoint of the sending host on that network, and the packet's source address that endpoint's.
     */
    static boolean reference(byte[] inner, String sender) {
        if (inner.length < 18) {
            return false;
        }
        int vni = ((inner[0] & 0xff) << 24) | ((inner[1] & 0xff) << 16) | ((inner[2] & 0xff) << 8) | (inner[3] & 0xff);
        List<Remote> endpoints = NETWORKS.get(vni);
        if (endpoints == null || (inner[4] & 1) == 1) {
            return false;
        }
        int type = ((inner[16] & 0xff) << 8) | (inner[17] & 0xff);
        int frameLength = inner.length - 4;
        int sourceAt;
        if (type == 0x0800 && frameLength >= 14 + 20) {
            sourceAt = 4 + 14 + 12;
        } else if (type == 0x0806 && frameLength >= 14 + 28) {
            sourceAt = 4 + 14 + 14;
        } else {
            return false;
        }
        long srcMac = 0;
        for (int i = 10; i < 16; i++) {
            srcMac = srcMac << 8 | (inner[i] & 0xff);
        }
        int src = ByteBuffer.wrap(inner).getInt(sourceAt);
        for (Remote r : endpoints) {
            if (r.mac() == srcMac) {
                return r.host().equals(sender) && r.ip() == src;
            }
        }
        return false;
    }

    static byte[] inner(int vni, byte[] frame) {
        return ByteBuffer.allocate(4 + frame.length).putInt(vni).put(frame).array();
    }

    /** Ethernet + a 20-byte IPv4 header from {@code src} + 8 bytes. */
    static byte[] ipv4Frame(long dstMac, long srcMac, int src) {
        ByteBuffer b = ByteBuffer.allocate(14 + 28);
        FrameSwitch.putMac(b, 0, dstMac);
        FrameSwitch.putMac(b, 6, srcMac);
        b.putShort(12, (short) 0x0800).put(14, (byte) 0x45).putInt(14 + 12, src).putInt(14 + 16, ip(192, 168, 110, 9));
        return b.array();
    }

    /** Ethernet + an ARP reply from {@code srcMac}/{@code src}. */
    static byte[] arpFrame(long dstMac, long srcMac, int src) {
        ByteBuffer b = ByteBuffer.allocate(14 + 28);
        FrameSwitch.putMac(b, 0, dstMac);
        FrameSwitch.putMac(b, 6, srcMac);
        b.putShort(12, (short) 0x0806).putShort(14, (short) 1).putShort(16, (short) 0x0800).put(18, (byte) 6).put(19, (byte) 4)
                .putShort(20, (short) 2);
        FrameSwitch.putMac(b, 22, srcMac);
        b.putInt(28, src);
        return b.array();
    }
}

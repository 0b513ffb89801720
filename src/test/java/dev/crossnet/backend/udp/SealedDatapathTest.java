package dev.crossnet.backend.udp;

import static dev.crossnet.testing.ByteSearch.contains;
import static dev.crossnet.backend.udp.Packets.ip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crossnet.metrics.MetricFamilies;
import dev.crossnet.model.Subnet;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The udp datapath with sealing, two hosts over channel fakes joined by a "wire" thread that
 * records every datagram: certificates from a real {@link ClusterCa}, handshakes through the
 * loops' outbox, packets sealed after the lookup (and TSO split) and opened before validation
 * (and coalescing). Nothing goes out in clear, nothing unauthenticated comes in.
 */
class SealedDatapathTest {
    static final long A = Endpoints.of(ip("192.168.250.1"), 8285);
    static final long B = Endpoints.of(ip("192.168.250.2"), 8285);
    static final byte[] PATTERN = "0123456789abcdef-PATTERN-fedcba9876543210".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    final ClusterCa ca = ClusterCa.create("test CA", Clock.systemUTC());
    final PrometheusRegistry aMetrics = new PrometheusRegistry();
    final PrometheusRegistry bMetrics = new PrometheusRegistry();
    final List<Datagram> captured = new CopyOnWriteArrayList<>(); // every datagram the wire carried, with its source
    final List<UdpDatapath> running = new ArrayList<>();
    volatile boolean wireUp = true;
    volatile boolean wireRuns = true;
    Thread wire;
    /** The sealers' clock and limits; a test may set them before {@link #pair}. */
    SealClock clock = SealClock.SYSTEM;
    Limits limits = Limits.DEFAULT;
    /** False: only A starts a handshake at first (so that every session of A's is one it initiated). */
    boolean bInitiates = true;
    byte[] bCert;

    /** One host: its datapath's fakes and sealer. */
    record Host(ChannelTun tun, ChannelBind bind, Sealer sealer, UdpDatapath dp, PrometheusRegistry metrics) {
    }

    @AfterEach
    void stop() throws InterruptedException {
        wireRuns = false;
        running.forEach(UdpDatapath::close);
        if (wire != null) {
            wire.join(5000);
        }
    }

    private byte[] certificate(String host, byte[] privateKey, String prefix) throws Exception {
        return ca.issue(HostCertificateRequest.x25519(host, X25519.publicKey(privateKey), List.of(), List.of(prefix))).getEncoded();
    }

    /** Hosts A (10.5.1.0/24) and B (10.5.2.0/24), certified for 10.5.0.0/16; B's peer entry for A has no tunnel if {@code bKnowsA} is false. */
    private Host[] pair(boolean vnetHdr, boolean aHasCertificateOfB) throws Exception {
        byte[] aKey = X25519.generatePrivate();
        byte[] bKey = X25519.generatePrivate();
        byte[] aCert = certificate("a", aKey, "10.5.0.0/16");
        bCert = certificate("b", bKey, "10.5.0.0/16");
        X509Certificates verifier = X509Certificates.trusting(ca.certificate().getEncoded());
        Host a = host(vnetHdr, A, aKey, aCert, verifier, aMetrics, "10.5.1.0/24", "10.5.2.0/24", B, aHasCertificateOfB ? bCert : null, true);
        Host b = host(vnetHdr, B, bKey, bCert, verifier, bMetrics, "10.5.2.0/24", "10.5.1.0/24", A, aCert, bInitiates);
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

    private void carry(Host from, Host to) {
        try {
            Datagram d = from.bind().outbound.poll(5, TimeUnit.MILLISECONDS);
            if (d != null) {
                captured.add(new Datagram(from.bind().localEndpoint(), d.payload()));
                if (wireUp) {
                    to.bind().inbound.add(new Datagram(from.bind().localEndpoint(), d.payload()));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Host host(boolean vnetHdr, long self, byte[] key, byte[] cert, X509Certificates verifier, PrometheusRegistry registry,
                      String own, String peer, long peerEndpoint, byte[] peerCert, boolean initiate) throws Exception {
        UdpMetrics metrics = new UdpMetrics(registry);
        Sealer sealer = new Sealer(key, cert, verifier, limits, clock, registry);
        ChannelTun tun = new ChannelTun(vnetHdr);
        ChannelBind bind = new ChannelBind(self);
        UdpDatapath dp = new UdpDatapath(tun, bind, 64, metrics, sealer);
        dp.ownSubnet(Subnet.parse(own));
        var tunnel = peerCert == null ? null : sealer.tunnels().addPeer(peerCert, peerEndpoint);
        dp.table(ForwardingTable.of(List.of(new Peer(Subnet.parse(peer), peerEndpoint, metrics, tunnel))));
        dp.start();
        running.add(dp);
        if (tunnel != null && initiate) {
            sealer.tunnels().initiate(tunnel);
        }
        return new Host(tun, bind, sealer, dp, registry);
    }

    static byte[] withPattern(String src, String dst, int id) {
        byte[] p = Packets.ipv4Udp(src, dst, 200);
        System.arraycopy(PATTERN, 0, p, 28 + 10, PATTERN.length);
        p[28] = (byte) id;
        return p;
    }

    static long handshakes(PrometheusRegistry r, String role) {
        return MetricFamilies.counter(r, Tunnels.HANDSHAKES, "", "role").labelValues(role).getLongValue();
    }

    static long drops(PrometheusRegistry r, String reason) {
        return MetricFamilies.counter(r, "crossnet_seal_drops_total", "", "reason").labelValues(reason).getLongValue();
    }

    static long udpDrops(PrometheusRegistry r, String peer, String reason) {
        return MetricFamilies.counter(r, "crossnet_udp_drops_total", "", "peer", "reason").labelValues(peer, reason).getLongValue();
    }

    /** Sends packets from A until one reaches B's TUN; returns what B's TUN got. */
    private byte[] deliver(Host a, Host b, byte[] packet) throws InterruptedException {
        byte[][] got = new byte[1][];
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            a.tun().inbound.add(packet);
            got[0] = b.tun().outbound.poll(200, TimeUnit.MILLISECONDS);
            return got[0] != null;
        });
        return got[0];
    }

    @Test
    void packet_afterHandshake_deliveredIntactAndNeverInClearOnTheWire() throws Exception {
        Host[] h = pair(false, true);
        byte[] p = withPattern("10.5.1.7", "10.5.2.9", 1);
        assertThat(deliver(h[0], h[1], p)).isEqualTo(p);
        byte[] back = withPattern("10.5.2.9", "10.5.1.7", 2);
        assertThat(deliver(h[1], h[0], back)).isEqualTo(back);
        assertThat(captured).isNotEmpty().allSatisfy(d -> {
            assertThat(contains(d.payload(), PATTERN)).as("pattern on the wire").isFalse();
            assertThat(d.payload()[0]).as("message type").isIn((byte) 1, (byte) 2, (byte) 4);
        });
        assertThat(captured).anySatisfy(d -> assertThat(d.payload()).hasSize(p.length + UdpBackend.SEAL_OVERHEAD));
    }

    @Test
    void packet_beforeAnyHandshake_droppedAndCountedNeverSentInClear() throws Exception {
        wireUp = false; // handshakes go nowhere
        Host[] h = pair(false, true);
        for (int i = 0; i < 20; i++) {
            h[0].tun().inbound.add(withPattern("10.5.1.7", "10.5.2.9", i));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> drops(aMetrics, "no_session") >= 20);
        assertThat(captured).isNotEmpty().allSatisfy(d -> assertThat(d.payload()[0]).as("only initiations").isEqualTo((byte) 1));
        assertThat(h[1].tun().outbound).isEmpty();
    }

    @Test
    void peerWithoutCertificate_getsNoTrafficAndItIsCounted() throws Exception {
        Host[] h = pair(false, false);
        for (int i = 0; i < 5; i++) {
            h[0].tun().inbound.add(withPattern("10.5.1.7", "10.5.2.9", i));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> udpDrops(aMetrics, "10.5.2.0/24", "peer_certificate_invalid") == 5);
        assertThat(captured).noneSatisfy(d -> assertThat(d.remote()).isEqualTo(A));
    }

    @Test
    void cleartextAndReplay_droppedAndCountedNeverDelivered() throws Exception {
        Host[] h = pair(false, true);
        byte[] p = withPattern("10.5.1.7", "10.5.2.9", 1);
        deliver(h[0], h[1], p);
        Datagram transport = captured.stream().filter(d -> d.remote() == A && d.payload()[0] == 4 && d.payload().length > 32)
                .reduce((x, y) -> y).orElseThrow();
        // A flannel-format datagram (bare IPv4) from A's own endpoint, and the captured packet again.
        h[1].bind().inbound.add(new Datagram(A, withPattern("10.5.1.7", "10.5.2.9", 3)));
        h[1].bind().inbound.add(new Datagram(A, transport.payload().clone()));
        byte[] forged = transport.payload().clone();
        forged[forged.length - 20] ^= 1;
        h[1].bind().inbound.add(new Datagram(A, forged));
        await().atMost(Duration.ofSeconds(30)).until(() -> drops(bMetrics, "not_sealed") == 1 && drops(bMetrics, "replay") == 1
                && drops(bMetrics, "bad_tag") >= 1);
        assertThat(h[1].tun().outbound).isEmpty();
    }

    @Test
    void innerSourceOutsideTheSendersLease_droppedAfterOpening() throws Exception {
        Host[] h = pair(false, true);
        deliver(h[0], h[1], withPattern("10.5.1.7", "10.5.2.9", 1));
        // Inside the certificate's 10.5.0.0/16, outside A's lease 10.5.1.0/24: A's table routes it to B all the same.
        byte[] outside = withPattern("10.5.9.7", "10.5.2.9", 2);
        h[0].tun().inbound.add(outside);
        await().atMost(Duration.ofSeconds(30)).until(() -> udpDrops(bMetrics, "10.5.1.0/24", "inner_source_outside_peer") == 1);
        // Not isEmpty(): deliver() resends until one copy arrives, and on a busy machine a later copy may follow it.
        assertThat(h[1].tun().outbound).as("delivered to B").noneMatch(p -> Arrays.equals(p, outside));
    }

    @ParameterizedTest
    @ValueSource(strings = {"tso-0.bin", "tso-2.bin"})
    void kernelSuperPacket_splitSealedOpenedAndCoalesced_payloadIntact(String resource) throws Exception {
        Host[] h = pair(true, true);
        byte[] tso = KernelPacketsTest.resource(resource);
        ByteBuffer in = ByteBuffer.wrap(tso);
        int pkt = VirtioNetHdr.SIZE;
        // The kernel captured these between 10.5.1.0 and 10.5.2.0: A's and B's subnets here.
        assertThat(Endpoints.ipToString(in.getInt(pkt + 12))).isEqualTo("10.5.1.0");
        var aTunnel = h[0].dp().table().peers().get(0).tunnel;
        var bTunnel = h[1].dp().table().peers().get(0).tunnel;
        // Both sides initiate: wait until both handshakes are through, so no key change crosses the super-packet.
        await().atMost(Duration.ofSeconds(30)).until(() -> aTunnel.hasSession() && bTunnel.hasSession()
                && handshakes(aMetrics, "initiator") >= 1 && handshakes(aMetrics, "responder") >= 1
                && handshakes(bMetrics, "initiator") >= 1 && handshakes(bMetrics, "responder") >= 1);

        int mss = VirtioNetHdr.gsoSize(in, 0);
        List<byte[]> expected = KernelPacketsTest.split(KernelPacketsTest.direct(tso), pkt, tso.length - pkt, mss);
        h[0].tun().inbound.add(tso);
        int payload = 0;
        int want = expected.stream().mapToInt(e -> e.length - (expected.get(0).length - mss)).sum();
        while (payload < want) {
            byte[] w = h[1].tun().outbound.poll(30, TimeUnit.SECONDS);
            assertThat(w).as("written to B's TUN").isNotNull();
            ByteBuffer b = ByteBuffer.wrap(w);
            List<byte[]> pieces = VirtioNetHdr.gsoType(b, 0) == VirtioNetHdr.GSO_TCPV4
                    ? KernelPacketsTest.split(KernelPacketsTest.direct(w), pkt, w.length - pkt, VirtioNetHdr.gsoSize(b, 0))
                    : List.of(Arrays.copyOfRange(w, pkt, w.length));
            for (byte[] piece : pieces) {
                payload += piece.length - (expected.get(0).length - mss);
            }
        }
        assertThat(payload).isEqualTo(want);
        assertThat(captured.stream().filter(d -> d.remote() == A && d.payload()[0] == 4).count())
                .as("one sealed datagram per segment").isGreaterThanOrEqualTo(expected.size());
    }

    /** A {@link SealClock} that moves only when told (both its clocks together); the loops read it from their threads. */
    static final class SteppedClock implements SealClock {
        private final java.util.concurrent.atomic.AtomicLong offset = new java.util.concurrent.atomic.AtomicLong();
        private final long base = System.nanoTime();
        private final java.time.Instant wall = java.time.Instant.now();

        @Override
        public long nanoTime() {
            return base + offset.get();
        }

        @Override
        public java.time.Instant now() {
            return wall.plusNanos(offset.get());
        }

        void advance(Duration d) {
            offset.addAndGet(d.toNanos());
        }
    }

    /** Sends {@code packet} from A until that very packet comes out of B's TUN (earlier ones are skipped). */
    private void deliverExactly(Host a, Host b, byte[] packet) {
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            a.tun().inbound.add(packet);
            byte[] got;
            while ((got = b.tun().outbound.poll(200, TimeUnit.MILLISECONDS)) != null) {
                if (Arrays.equals(got, packet)) {
                    return true;
                }
            }
            return false;
        });
    }

    /**
     * A packet captured under keys that two rekeys have since replaced (beyond the previous-key
     * grace, well within the reject time): refused as {@code stale_key}, not as a replay, and never
     * delivered, while the current keys carry traffic.
     */
    @Test
    void packetUnderKeysReplacedTwice_droppedAsStaleCountedNeverDelivered() throws Exception {
        SteppedClock stepped = new SteppedClock();
        clock = stepped;
        limits = Limits.DEFAULT.withRekey(Duration.ofSeconds(10), Duration.ofSeconds(100));
        bInitiates = false; // every session A holds is one A initiated, so each rekeys after 10 s
        Host[] h = pair(false, true);
        deliverExactly(h[0], h[1], withPattern("10.5.1.7", "10.5.2.9", 0));
        Datagram old = captured.stream().filter(d -> d.remote() == A && d.payload()[0] == 4 && d.payload().length > 32)
                .reduce((x, y) -> y).orElseThrow();
        for (int round = 1; round <= 2; round++) {
            long before = handshakes(aMetrics, "initiator");
            stepped.advance(Duration.ofSeconds(11));
            byte[] trigger = withPattern("10.5.1.7", "10.5.2.9", 10 + round);
            await("rekey " + round).atMost(Duration.ofSeconds(30)).until(() -> {
                h[0].tun().inbound.add(trigger);
                return handshakes(aMetrics, "initiator") > before;
            });
            // Sealed under the new keys (A switched before counting): B confirms them on arrival.
            deliverExactly(h[0], h[1], withPattern("10.5.1.7", "10.5.2.9", 20 + round));
        }
        assertThat(handshakes(bMetrics, "responder")).isEqualTo(3);
        h[1].tun().outbound.clear();
        long replays = drops(bMetrics, "replay");
        h[1].bind().inbound.add(new Datagram(A, old.payload().clone()));
        await().atMost(Duration.ofSeconds(30)).until(() -> drops(bMetrics, "stale_key") == 1);
        assertThat(drops(bMetrics, "replay")).isEqualTo(replays);
        byte[] fresh = withPattern("10.5.1.7", "10.5.2.9", 99);
        deliverExactly(h[0], h[1], fresh); // the current keys work; the stale packet never came out
        assertThat(h[1].tun().outbound).noneSatisfy(p -> assertThat(p[28]).isEqualTo((byte) 0));
    }

    /**
     * A host key certified by another CA (with the cluster CA's name, and B's real certificate to
     * address B with) hands B an initiation; garbage names sessions and handshakes that do not exist.
     * All refused and counted by reason on B; nothing reaches B's TUN; A and B's keys are untouched.
     */
    @Test
    void handshakeUnderAForeignCa_andInjectedMessages_droppedCountedNeverDelivered() throws Exception {
        bInitiates = false; // no crossing handshakes, whose races may count an unknown_session of their own
        Host[] h = pair(false, true);
        deliverExactly(h[0], h[1], withPattern("10.5.1.7", "10.5.2.9", 1));
        h[1].tun().outbound.clear();
        ClusterCa foreign = ClusterCa.create("test CA", Clock.systemUTC()); // same name as the cluster CA, another key
        byte[] mKey = X25519.generatePrivate();
        byte[] mCert = foreign.issue(HostCertificateRequest.x25519("a", X25519.publicKey(mKey), List.of(), List.of("10.5.0.0/16")))
                .getEncoded();
        List<byte[]> sent = new CopyOnWriteArrayList<>();
        Tunnels impostor = new Tunnels(mKey, mCert, X509Certificates.trusting(ca.certificate().getEncoded()), Limits.DEFAULT,
                SealClock.SYSTEM, (to, d) -> sent.add(d), new PrometheusRegistry());
        impostor.initiate(impostor.addPeer(bCert, B));
        assertThat(sent).hasSize(1);
        long handshakesBefore = handshakes(bMetrics, "responder");
        long certificate = drops(bMetrics, "certificate_rejected");
        long unknown = drops(bMetrics, "unknown_session");
        long malformed = drops(bMetrics, "malformed");
        // From A's endpoint, as an on-path attacker would: the foreign initiation, then injected messages.
        h[1].bind().inbound.add(new Datagram(A, sent.get(0)));
        byte[] response = new byte[60];
        response[0] = 2;
        ByteBuffer.wrap(response).putInt(4, 0x7eadbeef);
        h[1].bind().inbound.add(new Datagram(A, response));
        byte[] transport = new byte[32 + 84];
        transport[0] = 4;
        ByteBuffer.wrap(transport).putInt(4, 0x7eadbeef).putLong(8, 1);
        h[1].bind().inbound.add(new Datagram(A, transport));
        h[1].bind().inbound.add(new Datagram(A, new byte[] {1, 0, 0, 0, 9})); // an initiation cut short
        await().atMost(Duration.ofSeconds(30)).until(() -> drops(bMetrics, "certificate_rejected") == certificate + 1
                && drops(bMetrics, "unknown_session") == unknown + 2 && drops(bMetrics, "malformed") == malformed + 1);
        assertThat(handshakes(bMetrics, "responder")).as("no handshake completed").isEqualTo(handshakesBefore);
        assertThat(h[1].tun().outbound).isEmpty();
        byte[] after = withPattern("10.5.1.7", "10.5.2.9", 2);
        deliverExactly(h[0], h[1], after); // A and B's keys still work
    }
}

package dev.crossnet.seal;

import static dev.crossnet.testing.ByteSearch.indexOf;

import dev.crossnet.metrics.MetricFamilies;
import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class TunnelsTest {
    private static final byte[] HELLO = "hello over the underlay".getBytes(StandardCharsets.US_ASCII);

    @Test
    void seal_beforeHandshake_dropsAndInitiatesNeverCleartext() throws Exception {
        SealedHosts h = new SealedHosts(Limits.DEFAULT);
        assertThat(h.seal(h.a, h.aToB, "10.5.1.2", "10.5.2.2", HELLO)).isNull();
        assertThat(h.a.drops(SealDrop.NO_SESSION)).isEqualTo(1);
        assertThat(h.wire).hasSize(1);
        assertThat(((byte[]) h.wire.peek()[2])[0]).isEqualTo((byte) Wire.TYPE_INITIATION);
        // A second packet within the retry interval sends no second initiation.
        assertThat(h.seal(h.a, h.aToB, "10.5.1.2", "10.5.2.2", HELLO)).isNull();
        assertThat(h.wire).hasSize(1);
    }

    @Test
    void handshake_thenTransport_deliversBothWaysWithDistinctKeys() throws Exception {
        SealedHosts h = new SealedHosts(Limits.DEFAULT);
        h.connect();
        byte[] ab = h.seal(h.a, h.aToB, "10.5.1.2", "10.5.2.2", HELLO);
        Object[] got = h.open(h.b, ab);
        assertThat((int) got[0]).isEqualTo(20 + HELLO.length);
        assertThat((byte[]) got[1]).isEqualTo(Packets.ipv4("10.5.1.2", "10.5.2.2", HELLO));
        assertThat(h.bCipher.peer()).isSameAs(h.bToA);
        assertThat(indexOf(ab, HELLO)).as("payload visible in the datagram").isEqualTo(-1);

        byte[] ba = h.seal(h.b, h.bToA, "10.5.2.2", "10.5.1.2", HELLO);
        assertThat((int) h.open(h.a, ba)[0]).isEqualTo(20 + HELLO.length);
        Session sa = h.aToB.current;
        assertThat(sa.sendKey.getEncoded()).isNotEqualTo(sa.receiveKey.getEncoded());
        assertThat(sa.sendKey.getEncoded()).isEqualTo(h.bToA.current.receiveKey.getEncoded());
    }

    @Test
    void openUnchecked_framesNotIpv4_deliveredWithPeerWhereOpenRefusesThem() throws Exception {
        SealedHosts h = new SealedHosts(Limits.DEFAULT);
        h.connect();
        // A VNI and an Ethernet frame, as the encrypted Docker networks carry: no IPv4 header at the start.
        byte[] frame = new byte[4 + 14 + HELLO.length];
        frame[3] = 0x10;
        System.arraycopy(HELLO, 0, frame, 18, HELLO.length);
        ByteBuffer buf = ByteBuffer.allocate(frame.length + Wire.TRANSPORT_OVERHEAD);
        buf.put(Wire.TRANSPORT_HEADER, frame);
        int n = h.a.seal(h.aCipher, h.aToB, buf, 0, frame.length);
        byte[] datagram = Arrays.copyOf(buf.array(), n);

        assertThat((int) h.open(h.b, datagram)[0]).isEqualTo(SealDrop.MALFORMED.code());
        assertThat(h.bCipher.peer()).isNull();
        byte[] next = Arrays.copyOf(buf.array(), h.a.seal(h.aCipher, h.aToB, buf.put(Wire.TRANSPORT_HEADER, frame), 0, frame.length));
        ByteBuffer in = ByteBuffer.wrap(next.clone());
        assertThat(h.b.openUnchecked(h.bCipher, in, 0, next.length)).isEqualTo(frame.length);
        assertThat(Arrays.copyOfRange(in.array(), Wire.TRANSPORT_HEADER, Wire.TRANSPORT_HEADER + frame.length)).isEqualTo(frame);
        assertThat(h.bCipher.peer()).isSameAs(h.bToA);
        // Every check before the inner bytes still holds: the same datagram again is a replay.
        assertThat(h.b.openUnchecked(h.bCipher, ByteBuffer.wrap(next.clone()), 0, next.length)).isEqualTo(SealDrop.REPLAY.code());
        assertThat(h.bCipher.peer()).isNull();
    }

    @Test
    void open_tamperedAnywhere_refusedAsBadTagAndWindowUnmoved() throws Exception {
        SealedHosts h = new SealedHosts(Limits.DEFAULT);
        h.connect();
        byte[] good = h.seal(h.a, h.aToB, "10.5.1.2", "10.5.2.2", HELLO);
        for (int i = 0; i < good.length; i++) {
            if (i < Wire.TRANSPORT_COUNTER_OFFSET) {
                continue; // type, reserved and index bytes are checked before the tag (other reasons)
            }
            byte[] bad = good.clone();
            bad[i] ^= 0x01;
            assertThat((int) h.open(h.b, bad)[0]).as("byte %d flipped", i).isEqualTo(SealDrop.BAD_TAG.code());
        }
        assertThat(h.b.drops(SealDrop.BAD_TAG)).isEqualTo(good.length - Wire.TRANSPORT_COUNTER_OFFSET);
        // Forged counters were not taken into the window: the genuine packet still gets through.
        assertThat((int) h.open(h.b, good)[0]).isEqualTo(20 + HELLO.length);
    }

    @Test
    void open_forgedUnderKnownIndexOrUnknownIndex_refused() throws Exception {
        SealedHosts h = new SealedHosts(Limits.DEFAULT);
        h.connect();
        byte[] good = h.seal(h.a, h.aToB, "10.5.1.2", "10.5.2.2", HELLO);
        byte[] forged = good.clone();
        new java.util.Random(7).nextBytes(forged);
        System.arraycopy(good, 0, forged, 0, Wire.TRANSPORT_COUNTER_OFFSET); // a real index, made-up rest
        assertThat((int) h.open(h.b, forged)[0]).isEqualTo(SealDrop.BAD_TAG.code());
        byte[] unknown = good.clone();
        unknown[4] ^= (byte) 0x80; // another index: the random half no longer matches
        assertThat((int) h.open(h.b, unknown)[0]).isEqualTo(SealDrop.UNKNOWN_SESSION.code());
    }

    @Test
    void open_replayedOrCleartext_refusedWithReason() throws Exception {
        SealedHosts h = new SealedHosts(Limits.DEFAULT);
        h.connect();
        byte[] p = h.seal(h.a, h.aToB, "10.5.1.2", "10.5.2.2", HELLO);
        assertThat((int) h.open(h.b, p)[0]).isPositive();
        assertThat((int) h.open(h.b, p)[0]).isEqualTo(SealDrop.REPLAY.code());
        assertThat((int) h.open(h.b, Packets.ipv4("10.5.1.2", "10.5.2.2", HELLO))[0]).isEqualTo(SealDrop.NOT_SEALED.code());
        byte[] vxlan = new byte[64];
        vxlan[0] = 0x08; // VXLAN flags byte, "I" set
        assertThat((int) h.open(h.b, vxlan)[0]).isEqualTo(SealDrop.NOT_SEALED.code());
        byte[] shortTransport = Arrays.copyOf(p, Wire.TRANSPORT_OVERHEAD - 1);
        assertThat((int) h.open(h.b, shortTransport)[0]).isEqualTo(SealDrop.MALFORMED.code());
        assertThat(h.b.drops(SealDrop.REPLAY)).isEqualTo(1);
        assertThat(h.b.drops(SealDrop.NOT_SEALED)).isEqualTo(2);
        assertThat(MetricFamilies.text(h.bMetrics))
                .contains(Tunnels.DROPS + "{reason=\"replay\"} 1")
                .contains(Tunnels.DROPS + "{reason=\"not_sealed\"} 2")
                .contains(Tunnels.HANDSHAKES + "{role=\"responder\"} 1");
    }

    @Test
    void open_innerSourceOutsidePeerCertificate_refused() throws Exception {
        SealedHosts h = new SealedHosts(Limits.DEFAULT);
        h.connect();
        byte[] spoof = h.seal(h.a, h.aToB, "10.5.2.9", "10.5.2.2", HELLO); // B's own subnet, not A's
        assertThat((int) h.open(h.b, spoof)[0]).isEqualTo(SealDrop.INNER_SOURCE.code());
        assertThat(h.bCipher.peer()).isNull();
    }

    @Test
    void handshake_foreignCaCertificate_refused() throws Exception {
        SealedHosts h = new SealedHosts(Limits.DEFAULT);
        TestCa foreign = new TestCa("crossnet test CA"); // same name, other key
        // A impostor holding A's static key but a certificate from the foreign CA.
        byte[] fake = foreign.issue("a", X25519.publicKey(h.aKey), "10.5.0.0/16");
        List<byte[]> sent = new ArrayList<>();
        Tunnels impostor = new Tunnels(h.aKey, fake, h.ca.verifier(), Limits.DEFAULT, h.clock, (to, d) -> sent.add(d), new PrometheusRegistry());
        impostor.initiate(impostor.addPeer(h.bCert, SealedHosts.B_ENDPOINT));
        assertThat(sent).hasSize(1);
        assertThat(h.b.handshake(h.bCipher, sent.get(0), SealedHosts.A_ENDPOINT)).isNull();
        assertThat(h.b.drops(SealDrop.CERTIFICATE)).isEqualTo(1);
        assertThat(h.bToA.current).isNull();
        // And a whole host under the foreign CA is refused the same way.
        byte[] mKey = X25519.generatePrivate();
        Tunnels m = new Tunnels(mKey, foreign.issue("m", X25519.publicKey(mKey), "10.5.7.0/24"), h.ca.verifier(),
                Limits.DEFAULT, h.clock, (to, d) -> sent.add(d), new PrometheusRegistry());
        m.initiate(m.addPeer(h.bCert, SealedHosts.B_ENDPOINT));
        assertThat(h.b.handshake(h.bCipher, sent.get(sent.size() - 1), 99)).isNull();
        assertThat(h.b.drops(SealDrop.CERTIFICATE)).isEqualTo(2);
    }

    @Test
    void initiate_peerCertificateExpired_sendsNothing() throws Exception {
        SealedHosts h = new SealedHosts(Limits.DEFAULT);
        Instant now = h.clock.now();
        byte[] shortLived = h.ca.issue("c", X25519.publicKey(X25519.generatePrivate()), List.of("10.5.3.0/24"),
                now.minusSeconds(60), now.plusSeconds(3600));
        Tunnel toC = h.a.addPeer(shortLived, 3);
        h.clock.advance(Duration.ofHours(2));
        h.a.initiate(toC);
        assertThat(h.wire).isEmpty();
        assertThat(h.a.drops(SealDrop.CERTIFICATE)).isEqualTo(1);
    }

    @Test
    void handshake_replayedInitiation_refusedAndFloodBoundedPerSource() throws Exception {
        Limits limits = new Limits(Duration.ofSeconds(120), Duration.ofSeconds(180), 1L << 60, 1L << 62, Duration.ofSeconds(5), 5);
        SealedHosts h = new SealedHosts(limits);
        h.a.initiate(h.aToB);
        byte[] init = (byte[]) h.wire.poll()[2];
        for (int i = 0; i < 50; i++) {
            h.b.handshake(h.bCipher, init, SealedHosts.A_ENDPOINT);
        }
        assertThat(h.b.drops(SealDrop.HANDSHAKE_REPLAY)).isEqualTo(4); // 5 tokens: one answered, four replays
        assertThat(h.b.drops(SealDrop.HANDSHAKE_RATE)).isEqualTo(45);
        assertThat(h.wire).isEmpty(); // responses go back through the return value, not Transmit
        // Another source has its own bucket; and a second later this one has tokens again.
        h.b.handshake(h.bCipher, init, 77);
        assertThat(h.b.drops(SealDrop.HANDSHAKE_REPLAY)).isEqualTo(5);
        h.clock.advance(Duration.ofSeconds(1));
        h.b.handshake(h.bCipher, init, SealedHosts.A_ENDPOINT);
        assertThat(h.b.drops(SealDrop.HANDSHAKE_REPLAY)).isEqualTo(6);
        assertThat(h.b.drops(SealDrop.HANDSHAKE_RATE)).isEqualTo(45);
    }

    @Test
    void rekeyByTime_inFlightOldKeyPacketsStillDelivered_thenOldKeyStale() throws Exception {
        SealedHosts h = new SealedHosts(Limits.DEFAULT.withRekey(Duration.ofSeconds(10), Duration.ofSeconds(20)));
        h.connect();
        Session first = h.aToB.current;
        List<byte[]> inFlight = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            inFlight.add(h.seal(h.a, h.aToB, "10.5.1.2", "10.5.2.2", HELLO));
        }
        h.clock.advance(Duration.ofSeconds(11));
        // This seal still uses the old key and starts the rekey.
        inFlight.add(h.seal(h.a, h.aToB, "10.5.1.2", "10.5.2.2", HELLO));
        assertThat(h.wire).hasSize(1);
        byte[] bOld = h.seal(h.b, h.bToA, "10.5.2.2", "10.5.1.2", HELLO); // B, before it sees the handshake
        h.pump();
        assertThat(h.aToB.current).isNotSameAs(first);
        assertThat(h.aToB.previous).isSameAs(first);
        byte[] fresh = h.seal(h.a, h.aToB, "10.5.1.2", "10.5.2.2", HELLO);
        assertThat(ByteBuffer.wrap(fresh).getInt(Wire.TRANSPORT_RECEIVER_OFFSET))
                .isNotEqualTo(ByteBuffer.wrap(inFlight.get(0)).getInt(Wire.TRANSPORT_RECEIVER_OFFSET));
        for (byte[] p : inFlight) {
            assertThat((int) h.open(h.b, p)[0]).isPositive(); // previous keys kept through the changeover
        }
        assertThat((int) h.open(h.b, fresh)[0]).isPositive();
        assertThat((int) h.open(h.a, bOld)[0]).isPositive();
        // B switched to the new keys when A's keepalive confirmed them.
        assertThat(h.bToA.current.localIndex).isEqualTo(h.aToB.current.remoteIndex);
        byte[] bNew = h.seal(h.b, h.bToA, "10.5.2.2", "10.5.1.2", HELLO);
        assertThat((int) h.open(h.a, bNew)[0]).isPositive();

        // A second rekey pushes the first keys out of every slot: now stale.
        byte[] lateOld = h.seal(h.b, h.bToA, "10.5.2.2", "10.5.1.2", HELLO);
        h.clock.advance(Duration.ofSeconds(11));
        h.seal(h.a, h.aToB, "10.5.1.2", "10.5.2.2", HELLO);
        h.pump();
        assertThat(first.retired).isTrue();
        byte[] sealedUnderFirst = inFlight.get(0).clone();
        assertThat((int) h.open(h.b, sealedUnderFirst)[0]).isEqualTo(SealDrop.STALE_KEY.code());
        assertThat((int) h.open(h.a, lateOld)[0]).isPositive();
    }

    @Test
    void handshake_bothSidesInitiateAtOnce_trafficFlowsBothWaysAfter() throws Exception {
        SealedHosts h = new SealedHosts(Limits.DEFAULT.withRekey(Duration.ofSeconds(10), Duration.ofSeconds(20)));
        for (int round = 0; round < 3; round++) {
            h.a.initiate(h.aToB);
            h.b.initiate(h.bToA);
            assertThat(h.wire).hasSize(2);
            h.pump();
            for (int i = 0; i < 3; i++) {
                byte[] ab = h.seal(h.a, h.aToB, "10.5.1.2", "10.5.2.2", HELLO);
                byte[] ba = h.seal(h.b, h.bToA, "10.5.2.2", "10.5.1.2", HELLO);
                assertThat((int) h.open(h.b, ab)[0]).as("round %d, A to B", round).isPositive();
                assertThat((int) h.open(h.a, ba)[0]).as("round %d, B to A", round).isPositive();
            }
            h.clock.advance(Duration.ofSeconds(6)); // past the retry interval, under rejectAfter
        }
        assertThat(h.a.drops(SealDrop.BAD_TAG) + h.b.drops(SealDrop.BAD_TAG)).isZero();
    }

    @Test
    void rekeyByCount_initiatesAfterLimit() throws Exception {
        Limits limits = new Limits(Duration.ofSeconds(120), Duration.ofSeconds(180), 100, 1000, Duration.ofSeconds(5), 20);
        SealedHosts h = new SealedHosts(limits);
        h.connect();
        for (int i = 0; i < 99; i++) { // the keepalive was counter 0
            assertThat(h.seal(h.a, h.aToB, "10.5.1.2", "10.5.2.2", HELLO)).isNotNull();
        }
        assertThat(h.wire).isEmpty();
        h.clock.advance(Duration.ofSeconds(6)); // past the handshake retry interval, far below rekeyAfter
        h.seal(h.a, h.aToB, "10.5.1.2", "10.5.2.2", HELLO);
        assertThat(h.wire).hasSize(1);
    }

    @Test
    void open_keyOlderThanRejectAfter_refusedAsStale() throws Exception {
        SealedHosts h = new SealedHosts(Limits.DEFAULT.withRekey(Duration.ofSeconds(10), Duration.ofSeconds(20)));
        h.connect();
        byte[] p = h.seal(h.a, h.aToB, "10.5.1.2", "10.5.2.2", HELLO);
        h.clock.advance(Duration.ofSeconds(21));
        assertThat((int) h.open(h.b, p)[0]).isEqualTo(SealDrop.STALE_KEY.code());
        assertThat(h.seal(h.a, h.aToB, "10.5.1.2", "10.5.2.2", HELLO)).as("no sending under an expired key").isNull();
    }

    @Test
    void removePeer_dropsItsKeys() throws Exception {
        SealedHosts h = new SealedHosts(Limits.DEFAULT);
        h.connect();
        byte[] p = h.seal(h.a, h.aToB, "10.5.1.2", "10.5.2.2", HELLO);
        h.b.removePeer(h.bToA);
        assertThat((int) h.open(h.b, p)[0]).isIn(SealDrop.UNKNOWN_SESSION.code(), SealDrop.STALE_KEY.code());
        h.b.expire();
        assertThat((int) h.open(h.b, p)[0]).isEqualTo(SealDrop.UNKNOWN_SESSION.code());
    }

    @Test
    void sealAndOpen_directBuffersAtOffsets_inPlaceRoundTrip() throws Exception {
        SealedHosts h = new SealedHosts(Limits.DEFAULT);
        h.connect();
        byte[] inner = Packets.ipv4("10.5.1.2", "10.5.2.2", new byte[1380]);
        ByteBuffer tx = ByteBuffer.allocateDirect(4096);
        int off = 100;
        tx.put(off + Wire.TRANSPORT_HEADER, inner);
        int n = h.a.seal(h.aCipher, h.aToB, tx, off, inner.length);
        assertThat(n).isEqualTo(inner.length + Wire.TRANSPORT_OVERHEAD);
        ByteBuffer rx = ByteBuffer.allocateDirect(4096);
        for (int i = 0; i < n; i++) {
            rx.put(7 + i, tx.get(off + i));
        }
        assertThat(h.b.open(h.bCipher, rx, 7, n)).isEqualTo(inner.length);
        byte[] back = new byte[inner.length];
        rx.get(7 + Wire.TRANSPORT_HEADER, back);
        assertThat(back).isEqualTo(inner);
        assertThat(rx.position()).isZero(); // the caller's position and limit are left alone
        assertThat(rx.limit()).isEqualTo(4096);
    }
}

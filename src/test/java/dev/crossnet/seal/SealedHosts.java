package dev.crossnet.seal;

import dev.crossnet.model.Subnet;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/**
 * Two hosts' {@link Tunnels} wired back to back for unit tests: host A (endpoint 1, subnet
 * 10.5.1.0/24) and host B (endpoint 2, 10.5.2.0/24), certificates from one {@link TestCa} (or
 * stubs), one {@link FakeClock}. Handshake datagrams queue up until {@link #pump()} delivers them.
 */
final class SealedHosts {
    static final long A_ENDPOINT = 1;
    static final long B_ENDPOINT = 2;

    final FakeClock clock = new FakeClock();
    final TestCa ca;
    final byte[] aKey = X25519.generatePrivate();
    final byte[] bKey = X25519.generatePrivate();
    final byte[] aCert;
    final byte[] bCert;
    final Tunnels a;
    final Tunnels b;
    final Tunnel aToB;
    final Tunnel bToA;
    final PrometheusRegistry aMetrics = new PrometheusRegistry();
    final PrometheusRegistry bMetrics = new PrometheusRegistry();
    final PacketCipher aCipher = new PacketCipher();
    final PacketCipher bCipher = new PacketCipher();
    /** Handshake datagrams in flight: {from endpoint, to endpoint, bytes}. */
    final Deque<Object[]> wire = new ArrayDeque<>();

    SealedHosts(Limits limits) throws Exception {
        this(limits, false);
    }

    /**
     * @param stubCertificates true: placeholder certificate bytes and a lookup in place of the CA
     *     (no BouncyCastle loaded, which keeps the Jazzer-instrumented fuzz test lean); false: a
     *     real {@link TestCa}
     */
    SealedHosts(Limits limits, boolean stubCertificates) throws Exception {
        Certificates verifier;
        if (stubCertificates) {
            ca = null;
            aCert = "certificate of a".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            bCert = "certificate of b".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            PeerIdentity aId = new PeerIdentity("a", X25519.publicKey(aKey), List.of(Subnet.parse("10.5.1.0/24")), Instant.MAX);
            PeerIdentity bId = new PeerIdentity("b", X25519.publicKey(bKey), List.of(Subnet.parse("10.5.2.0/24")), Instant.MAX);
            verifier = (der, now) -> {
                if (Arrays.equals(der, aCert)) {
                    return aId;
                }
                if (Arrays.equals(der, bCert)) {
                    return bId;
                }
                throw new CertificateRejected("unknown certificate");
            };
        } else {
            ca = new TestCa("crossnet test CA");
            aCert = ca.issue("a", X25519.publicKey(aKey), "10.5.1.0/24");
            bCert = ca.issue("b", X25519.publicKey(bKey), "10.5.2.0/24");
            verifier = ca.verifier();
        }
        a = new Tunnels(aKey, aCert, verifier, limits, clock, (to, d) -> wire.add(new Object[] {A_ENDPOINT, to, d}), aMetrics);
        b = new Tunnels(bKey, bCert, verifier, limits, clock, (to, d) -> wire.add(new Object[] {B_ENDPOINT, to, d}), bMetrics);
        aToB = a.addPeer(bCert, B_ENDPOINT);
        bToA = b.addPeer(aCert, A_ENDPOINT);
    }

    Tunnels host(long endpoint) {
        return endpoint == A_ENDPOINT ? a : b;
    }

    PacketCipher cipher(long endpoint) {
        return endpoint == A_ENDPOINT ? aCipher : bCipher;
    }

    /** Delivers queued handshake datagrams (and their answers) until none is left; returns how many. */
    int pump() {
        int n = 0;
        while (!wire.isEmpty()) {
            Object[] m = wire.poll();
            long from = (long) m[0];
            long to = (long) m[1];
            byte[] d = (byte[]) m[2];
            n++;
            Tunnels host = host(to);
            int r = host.open(cipher(to), ByteBuffer.wrap(d.clone()), 0, d.length);
            if (r == Tunnels.HANDSHAKE) {
                byte[] reply = host.handshake(cipher(to), d, from);
                if (reply != null) {
                    wire.add(new Object[] {to, from, reply});
                }
            }
        }
        return n;
    }

    /** Runs the first handshake A to B. */
    void connect() {
        a.initiate(aToB);
        pump();
    }

    /** An IPv4 packet (header + payload) from {@code src} to {@code dst}, sealed by {@code from} for its peer. */
    byte[] seal(Tunnels from, Tunnel to, String src, String dst, byte[] payload) {
        byte[] inner = Packets.ipv4(src, dst, payload);
        ByteBuffer buf = ByteBuffer.allocate(inner.length + Wire.TRANSPORT_OVERHEAD);
        buf.put(Wire.TRANSPORT_HEADER, inner);
        int n = from.seal(from == a ? aCipher : bCipher, to, buf, 0, inner.length);
        if (n < 0) {
            return null;
        }
        return Arrays.copyOf(buf.array(), n);
    }

    /** Opens {@code datagram} at {@code at}; returns the result code and, if delivered, the inner packet. */
    Object[] open(Tunnels at, byte[] datagram) {
        ByteBuffer buf = ByteBuffer.wrap(datagram.clone());
        PacketCipher c = at == a ? aCipher : bCipher;
        int r = at.open(c, buf, 0, datagram.length);
        byte[] inner = r > 0 ? Arrays.copyOfRange(buf.array(), Wire.TRANSPORT_HEADER, Wire.TRANSPORT_HEADER + r) : null;
        return new Object[] {r, inner};
    }

    static List<SealDrop> reasons() {
        return List.of(SealDrop.values());
    }
}

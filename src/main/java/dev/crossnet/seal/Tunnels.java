package dev.crossnet.seal;

import dev.crossnet.metrics.MetricFamilies;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This host's sealed links to its peers: handshakes (Noise IK, see {@code package-info}), the
 * index table, and the per-packet {@link #seal} and {@link #open}. Fails closed: a packet with no
 * usable key is dropped and counted, never sent or delivered in clear.
 *
 * <p>Thread-safe. {@link #seal} and {@link #open} take the calling thread's own
 * {@link PacketCipher}, allocate nothing in Java code of ours, and lock only the replay window and,
 * when a handshake is due, the tunnel. {@link #handshake} allocates and does the Diffie-Hellman
 * work; it is bounded per source by {@link Limits#handshakesPerSecond()}.
 */
public final class Tunnels {
    /** {@link #open} result: a handshake message, to be passed to {@link #handshake}. */
    public static final int HANDSHAKE = Integer.MIN_VALUE;
    /** Bytes before the inner packet in a transport message: {@link #seal} wants them free in front of it. */
    public static final int HEADER = Wire.TRANSPORT_HEADER;
    /** Bytes a transport message adds to its inner packet: {@value #HEADER} header + 16 tag. */
    public static final int OVERHEAD = Wire.TRANSPORT_OVERHEAD;
    /** The largest handshake message (an initiation with its certificate). */
    public static final int HANDSHAKE_MAX = Wire.INITIATION_MAX;
    /** Counter family of refused packets, labelled {@code reason} ({@link SealDrop#label()}). */
    public static final String DROPS = "crossnet_seal_drops_total";
    /** Counter family of completed handshakes, labelled {@code role}. */
    public static final String HANDSHAKES = "crossnet_seal_handshakes_total";

    /** Where handshake messages go: called with the peer's endpoint and a fresh datagram. */
    public interface Transmit {
        void send(long endpoint, byte[] datagram);
    }

    private final byte[] staticPrivate;
    private final byte[] ownCertificate;
    private final Certificates certificates;
    private final Limits limits;
    private final SealClock clock;
    private final Transmit transmit;
    private final IndexTable table = new IndexTable();
    private final Map<String, Tunnel> byKey = new ConcurrentHashMap<>();
    private final HandshakeRate rate;
    private final CounterDataPoint[] drops = new CounterDataPoint[SealDrop.values().length];
    private final CounterDataPoint handshakesAnswered;
    private final CounterDataPoint handshakesCompleted;
    private final long rekeyAfter;
    private final long responderRekeyAfter;
    private final long rejectAfter;
    private final long retry;
    private long lastTimestamp;

    /**
     * @param staticPrivate  this host's static X25519 private key (32 raw bytes)
     * @param ownCertificate this host's certificate (DER), sent in each initiation
     * @param certificates   the cluster CA's verifier for peers' certificates
     * @param metrics        where {@value #DROPS} (by reason) and {@value #HANDSHAKES} (by role) count
     */
    public Tunnels(byte[] staticPrivate, byte[] ownCertificate, Certificates certificates, Limits limits, SealClock clock,
            Transmit transmit, PrometheusRegistry metrics) {
        this.staticPrivate = staticPrivate.clone();
        this.ownCertificate = ownCertificate.clone();
        this.certificates = certificates;
        this.limits = limits;
        this.clock = clock;
        this.transmit = transmit;
        this.rate = new HandshakeRate(limits.handshakesPerSecond());
        this.rekeyAfter = limits.rekeyAfter().toNanos();
        this.rejectAfter = limits.rejectAfter().toNanos();
        this.responderRekeyAfter = rekeyAfter + (rejectAfter - rekeyAfter) / 2;
        this.retry = limits.handshakeRetry().toNanos();
        Counter dropFamily = MetricFamilies.counter(metrics, DROPS, "Packets the sealed datapath refused, by reason.", "reason");
        for (SealDrop r : SealDrop.values()) {
            drops[r.ordinal()] = dropFamily.labelValues(r.label());
        }
        Counter hs = MetricFamilies.counter(metrics, HANDSHAKES, "Noise IK handshakes completed, as responder or initiator.", "role");
        handshakesAnswered = hs.labelValues("responder");
        handshakesCompleted = hs.labelValues("initiator");
    }

    /**
     * Adds a peer from its certificate (verified now against the cluster CA) and the datapath's
     * endpoint for it. Replaces an earlier tunnel with the same static key.
     */
    public Tunnel addPeer(byte[] certificate, long endpoint) throws CertificateRejected {
        PeerIdentity id = certificates.verify(certificate, clock.now());
        Tunnel t = new Tunnel(certificate, id, endpoint);
        Tunnel old = byKey.put(key(id.staticKey()), t);
        if (old != null) {
            removeSessions(old);
        }
        return t;
    }

    /** Forgets a peer and its keys. Idempotent. */
    public void removePeer(Tunnel t) {
        byKey.remove(key(t.identity().staticKey()), t);
        removeSessions(t);
    }

    /**
     * Seals the inner packet of {@code length} bytes at {@code off + 16} for {@code t} in place
     * (see {@link PacketCipher}); starts a handshake when none or a rekey is due.
     *
     * @return the datagram length ({@code length + 32}), or a {@link SealDrop#code()} (then nothing may be sent)
     */
    public int seal(PacketCipher cipher, Tunnel t, ByteBuffer buf, int off, int length) {
        long now = clock.nanoTime();
        Session s = t.current;
        if (s == null || s.age(now) >= rejectAfter) {
            initiateIfDue(t, now);
            return drop(SealDrop.NO_SESSION);
        }
        long n = s.sendCounter.getAndIncrement();
        if (n >= limits.rejectAfterMessages()) {
            initiateIfDue(t, now);
            return drop(SealDrop.NO_SESSION);
        }
        if (n >= limits.rekeyAfterMessages() || s.age(now) >= (s.initiator ? rekeyAfter : responderRekeyAfter)) {
            initiateIfDue(t, now);
        }
        return cipher.seal(s, n, buf, off, length);
    }

    /**
     * Opens the datagram of {@code length} bytes at {@code off} in place. A transport message that
     * verifies, is no replay and carries an IPv4 packet from the peer certificate's subnets leaves
     * that packet at {@code off + 16}; {@link PacketCipher#peer()} then names the peer.
     *
     * @return the inner packet's length (0 for a keepalive: deliver nothing), {@link #HANDSHAKE},
     *     or a {@link SealDrop#code()}
     */
    public int open(PacketCipher cipher, ByteBuffer buf, int off, int length) {
        int inner = openTransport(cipher, buf, off, length);
        if (inner <= 0) {
            return inner;
        }
        int ip = off + Wire.TRANSPORT_HEADER;
        if (inner < 20 || (buf.get(ip) & 0xf0) != 0x40) {
            cipher.peer = null;
            return drop(SealDrop.MALFORMED);
        }
        if (!cipher.peer.allowsSource(buf.getInt(ip + 12))) {
            cipher.peer = null;
            return drop(SealDrop.INNER_SOURCE);
        }
        return inner;
    }

    /**
     * Like {@link #open}, for a datapath whose inner packets are not the peer's own IPv4 packets
     * (the encrypted Docker networks carry Ethernet frames): every check up to and including the
     * replay window, but none on the inner bytes, which the caller must check against what the
     * peer ({@link PacketCipher#peer()}) may send before delivering them.
     *
     * @return the inner length (0 for a keepalive), {@link #HANDSHAKE}, or a {@link SealDrop#code()}
     */
    public int openUnchecked(PacketCipher cipher, ByteBuffer buf, int off, int length) {
        return openTransport(cipher, buf, off, length);
    }

    /** {@link #open} up to the replay window; on success (inner length >= 0) {@code cipher.peer} is set. */
    private int openTransport(PacketCipher cipher, ByteBuffer buf, int off, int length) {
        cipher.peer = null;
        if (length < 4) {
            return drop(length == 0 ? SealDrop.MALFORMED : SealDrop.NOT_SEALED);
        }
        int type = buf.get(off) & 0xff;
        if (type == Wire.TYPE_INITIATION || type == Wire.TYPE_RESPONSE) {
            return HANDSHAKE;
        }
        if (type != Wire.TYPE_TRANSPORT) {
            return drop(SealDrop.NOT_SEALED);
        }
        if (length < Wire.TRANSPORT_OVERHEAD || (buf.getInt(off) & 0x00ffffff) != 0) {
            return drop(SealDrop.MALFORMED);
        }
        Object owner = table.get(buf.getInt(off + Wire.TRANSPORT_RECEIVER_OFFSET));
        if (!(owner instanceof Session)) {
            return drop(SealDrop.UNKNOWN_SESSION);
        }
        Session s = (Session) owner;
        if (s.retired || s.age(clock.nanoTime()) >= rejectAfter) {
            return drop(SealDrop.STALE_KEY);
        }
        long counter = buf.getLong(off + Wire.TRANSPORT_COUNTER_OFFSET);
        if (!cipher.open(s, buf, off, length)) {
            return drop(SealDrop.BAD_TAG);
        }
        // Only now, with the tag verified, may the counter move the window.
        if (!s.window.accept(counter)) {
            return drop(SealDrop.REPLAY);
        }
        Tunnel t = s.tunnel;
        if (!s.confirmed) {
            retire(t.confirm(s));
        }
        int inner = length - Wire.TRANSPORT_OVERHEAD;
        if (inner > 0) {
            cipher.peer = t;
        }
        return inner;
    }

    /**
     * Handles a handshake message from {@code source} (after {@link #open} returned
     * {@link #HANDSHAKE}): answers an initiation, or completes our own initiation.
     *
     * @return the datagram to send back to {@code source} (a response, or a keepalive that
     *     confirms the new keys), or null when the message was dropped (and counted)
     */
    public byte[] handshake(PacketCipher cipher, byte[] message, long source) {
        if (message.length < 4 || (message[1] | message[2] | message[3]) != 0) {
            drop(SealDrop.MALFORMED);
            return null;
        }
        try {
            return message[0] == Wire.TYPE_INITIATION ? answer(message, source) : complete(cipher, message);
        } catch (Dropped d) {
            drop(d.reason);
            return null;
        }
    }

    private byte[] answer(byte[] message, long source) throws Dropped {
        long now = clock.nanoTime();
        if (!rate.tryAcquire(source, now)) {
            throw new Dropped(SealDrop.HANDSHAKE_RATE);
        }
        if (message.length < Wire.INITIATION_MIN || message.length > Wire.INITIATION_MAX) {
            throw new Dropped(SealDrop.MALFORMED);
        }
        HandshakeState hs = HandshakeState.responder(Wire.PROLOGUE, staticPrivate, X25519.generatePrivate());
        byte[] payload;
        try {
            payload = hs.readMessage1(Arrays.copyOfRange(message, Wire.INITIATION_NOISE_OFFSET, message.length));
        } catch (GeneralSecurityException e) {
            throw new Dropped(SealDrop.HANDSHAKE_INVALID);
        }
        byte[] rs = hs.remoteStatic();
        ByteBuffer p = ByteBuffer.wrap(payload);
        int senderIndex = p.getInt();
        long timestamp = p.getLong();
        // The certificate first: a handshake under a foreign CA is refused as such, whoever it claims to be.
        checkCertificate(Arrays.copyOfRange(payload, Wire.INITIATION_PAYLOAD_FIXED, payload.length), rs);
        Tunnel t = byKey.get(key(rs));
        if (t == null) {
            throw new Dropped(SealDrop.UNKNOWN_PEER);
        }
        byte[] response;
        Session s;
        synchronized (t) {
            if (byKey.get(key(rs)) != t) {
                throw new Dropped(SealDrop.UNKNOWN_PEER);
            }
            if (timestamp <= t.lastPeerTimestamp) {
                throw new Dropped(SealDrop.HANDSHAKE_REPLAY);
            }
            t.lastPeerTimestamp = timestamp;
            int localIndex = table.allocate(t);
            try {
                byte[] noise = hs.writeMessage2(ByteBuffer.allocate(4).putInt(localIndex).array());
                byte[][] k = hs.split();
                s = new Session(t, localIndex, senderIndex, k[1], k[0], now, false, limits.rejectAfterMessages());
                response = ByteBuffer.allocate(Wire.RESPONSE_NOISE_OFFSET + noise.length)
                        .put((byte) Wire.TYPE_RESPONSE).put(new byte[3]).putInt(senderIndex).put(noise).array();
            } catch (GeneralSecurityException e) {
                table.free(localIndex, t);
                throw new Dropped(SealDrop.HANDSHAKE_INVALID);
            }
            table.replace(localIndex, s);
            retire(t.installAnswered(s));
        }
        handshakesAnswered.inc();
        return response;
    }

    private byte[] complete(PacketCipher cipher, byte[] message) throws Dropped {
        if (message[0] != Wire.TYPE_RESPONSE || message.length != Wire.RESPONSE_LENGTH) {
            throw new Dropped(message[0] == Wire.TYPE_RESPONSE ? SealDrop.MALFORMED : SealDrop.NOT_SEALED);
        }
        int index = ByteBuffer.wrap(message).getInt(Wire.RESPONSE_RECEIVER_OFFSET);
        Object owner = table.get(index);
        if (!(owner instanceof Tunnel)) {
            throw new Dropped(SealDrop.UNKNOWN_SESSION);
        }
        Tunnel t = (Tunnel) owner;
        Session s;
        synchronized (t) {
            HandshakeState hs = t.pending;
            if (hs == null || t.pendingIndex != index) {
                throw new Dropped(SealDrop.UNKNOWN_SESSION);
            }
            // A failed read leaves the Noise state unusable: the initiation is over either way.
            t.pending = null;
            byte[] payload;
            try {
                payload = hs.readMessage2(Arrays.copyOfRange(message, Wire.RESPONSE_NOISE_OFFSET, message.length));
            } catch (GeneralSecurityException e) {
                table.free(index, t);
                throw new Dropped(SealDrop.HANDSHAKE_INVALID);
            }
            byte[][] k = hs.split();
            s = new Session(t, index, ByteBuffer.wrap(payload).getInt(), k[0], k[1], clock.nanoTime(), true,
                    limits.rejectAfterMessages());
            table.replace(index, s);
            retire(t.installInitiated(s));
        }
        handshakesCompleted.inc();
        // An empty transport message: the responder's key confirmation, so it may switch keys.
        ByteBuffer keepalive = ByteBuffer.allocate(Wire.TRANSPORT_OVERHEAD);
        cipher.seal(s, s.sendCounter.getAndIncrement(), keepalive, 0, 0);
        return keepalive.array();
    }

    /** Sends an initiation to {@code t} unless one went out less than {@link Limits#handshakeRetry()} ago. */
    void initiateIfDue(Tunnel t, long now) {
        byte[] datagram;
        synchronized (t) {
            if (t.initiatedOnce && now - t.lastInitiationNanos < retry) {
                return;
            }
            if (byKey.get(key(t.identity().staticKey())) != t) {
                return;
            }
            try {
                certificates.verify(t.certificate(), clock.now());
            } catch (CertificateRejected e) {
                drop(SealDrop.CERTIFICATE);
                return;
            }
            if (t.pending != null) {
                table.free(t.pendingIndex, t);
            }
            int index = table.allocate(t);
            HandshakeState hs = HandshakeState.initiator(Wire.PROLOGUE, staticPrivate, t.identity().staticKey(),
                    X25519.generatePrivate());
            byte[] payload = ByteBuffer.allocate(Wire.INITIATION_PAYLOAD_FIXED + ownCertificate.length)
                    .putInt(index).putLong(nextTimestamp()).put(ownCertificate).array();
            try {
                byte[] noise = hs.writeMessage1(payload);
                datagram = ByteBuffer.allocate(Wire.INITIATION_NOISE_OFFSET + noise.length)
                        .put((byte) Wire.TYPE_INITIATION).put(new byte[3]).put(noise).array();
            } catch (GeneralSecurityException e) {
                table.free(index, t);
                return;
            }
            t.pending = hs;
            t.pendingIndex = index;
            t.lastInitiationNanos = now;
            t.initiatedOnce = true;
        }
        transmit.send(t.endpoint(), datagram);
    }

    /** Starts a handshake with {@code t} now if none went out within the retry interval (e.g. on peer added). */
    public void initiate(Tunnel t) {
        initiateIfDue(t, clock.nanoTime());
    }

    /**
     * Periodic cleanup: frees the indices of retired or expired sessions and of initiations that
     * got no answer within three retry intervals. Call every few seconds.
     */
    public void expire() {
        long now = clock.nanoTime();
        table.forEach((owner, index) -> {
            if (owner instanceof Session) {
                Session s = (Session) owner;
                if ((s.retired && s.age(now) >= rejectAfter) || s.age(now) >= 2 * rejectAfter) {
                    s.retired = true;
                    table.free(index, s);
                }
            } else if (owner instanceof Tunnel) {
                Tunnel t = (Tunnel) owner;
                synchronized (t) {
                    if (t.pendingIndex != index || now - t.lastInitiationNanos >= 3 * retry) {
                        if (t.pendingIndex == index) {
                            t.pending = null;
                        }
                        table.free(index, t);
                    }
                }
            }
        });
    }

    /** Packets dropped for {@code reason} since start. */
    public long drops(SealDrop reason) {
        return drops[reason.ordinal()].getLongValue();
    }

    private void checkCertificate(byte[] cert, byte[] handshakeKey) throws Dropped {
        PeerIdentity id;
        try {
            id = certificates.verify(cert, clock.now());
        } catch (CertificateRejected e) {
            throw new Dropped(SealDrop.CERTIFICATE);
        }
        if (!Arrays.equals(id.staticKey(), handshakeKey)) {
            throw new Dropped(SealDrop.CERTIFICATE);
        }
    }

    private synchronized long nextTimestamp() {
        Instant now = clock.now();
        long ts = Math.max(now.getEpochSecond() * 1_000_000_000L + now.getNano(), lastTimestamp + 1);
        lastTimestamp = ts;
        return ts;
    }

    private void retire(Session s) {
        if (s != null && !s.tunnel.holds(s)) {
            s.retired = true;
        }
    }

    private void removeSessions(Tunnel t) {
        for (Session s : t.clear()) {
            if (s != null) {
                s.retired = true;
                table.free(s.localIndex, s);
            }
        }
    }

    private int drop(SealDrop reason) {
        drops[reason.ordinal()].inc();
        return reason.code();
    }

    private static String key(byte[] staticKey) {
        return HexFormat.of().formatHex(staticKey);
    }

    /** A handshake refused for {@link #reason}; no stack trace (handshake floods are an attack). */
    private static final class Dropped extends Exception {
        private static final long serialVersionUID = 1L;
        final transient SealDrop reason;

        Dropped(SealDrop reason) {
            super(reason.label(), null, false, false);
            this.reason = reason;
        }
    }
}

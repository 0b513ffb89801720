package dev.crossnet.seal;

import java.security.GeneralSecurityException;
import java.util.Arrays;

/**
 * One Noise IK handshake (Noise rev. 34, section 7.5) as {@code Noise_IK_25519_AESGCM_SHA256}:
 * <pre>
 *   IK:
 *     &lt;- s
 *     ...
 *     -&gt; e, es, s, ss
 *     &lt;- e, ee, se
 * </pre>
 * Messages are the bare Noise messages (no crossnet header): message 1 is
 * {@code e (32) || ENC(s) (32+16) || ENC(payload) (n+16)}, message 2 is
 * {@code e (32) || ENC(payload) (n+16)}. Ephemeral keys are injectable so tests can replay
 * published vectors. Not thread-safe; used once, then dropped. Allocates freely.
 */
final class HandshakeState {
    static final int MESSAGE1_OVERHEAD = 32 + 32 + 16 + 16;
    static final int MESSAGE2_OVERHEAD = 32 + 16;

    private final SymmetricState ss = new SymmetricState(SymmetricState.PROTOCOL_NAME);
    private final boolean initiator;
    private final byte[] s;
    private final byte[] sPub;
    private final byte[] e;
    private final byte[] ePub;
    private byte[] rs;
    private byte[] re;
    private int step;

    private HandshakeState(boolean initiator, byte[] prologue, byte[] s, byte[] rs, byte[] e) {
        this.initiator = initiator;
        this.s = s.clone();
        this.sPub = X25519.publicKey(s);
        this.e = e.clone();
        this.ePub = X25519.publicKey(e);
        this.rs = rs == null ? null : rs.clone();
        ss.mixHash(prologue);
        // Pre-message "<- s": both sides hash the responder's static public key.
        ss.mixHash(initiator ? this.rs : sPub);
    }

    /** The initiator of a handshake to the responder whose static public key is {@code rs}. */
    static HandshakeState initiator(byte[] prologue, byte[] s, byte[] rs, byte[] ephemeral) {
        return new HandshakeState(true, prologue, s, rs, ephemeral);
    }

    static HandshakeState responder(byte[] prologue, byte[] s, byte[] ephemeral) {
        return new HandshakeState(false, prologue, s, null, ephemeral);
    }

    /** Message 1, {@code -> e, es, s, ss}, carrying {@code payload}. */
    byte[] writeMessage1(byte[] payload) throws GeneralSecurityException {
        expect(true, 0);
        ss.mixHash(ePub);
        ss.mixKey(X25519.dh(e, rs));
        byte[] encS = ss.encryptAndHash(sPub);
        ss.mixKey(X25519.dh(s, rs));
        byte[] encP = ss.encryptAndHash(payload);
        step = 1;
        return concat(ePub, encS, encP);
    }

    /** Reads message 1 and returns its payload; {@link #remoteStatic()} is then the initiator's key. */
    byte[] readMessage1(byte[] message) throws GeneralSecurityException {
        expect(false, 0);
        if (message.length < MESSAGE1_OVERHEAD) {
            throw new GeneralSecurityException("message 1 is " + message.length + " bytes, under " + MESSAGE1_OVERHEAD);
        }
        re = Arrays.copyOfRange(message, 0, 32);
        ss.mixHash(re);
        ss.mixKey(X25519.dh(s, re));
        rs = ss.decryptAndHash(Arrays.copyOfRange(message, 32, 80));
        ss.mixKey(X25519.dh(s, rs));
        byte[] payload = ss.decryptAndHash(Arrays.copyOfRange(message, 80, message.length));
        step = 1;
        return payload;
    }

    /** Message 2, {@code <- e, ee, se}, carrying {@code payload}. */
    byte[] writeMessage2(byte[] payload) throws GeneralSecurityException {
        expect(false, 1);
        ss.mixHash(ePub);
        ss.mixKey(X25519.dh(e, re));
        ss.mixKey(X25519.dh(e, rs));
        byte[] encP = ss.encryptAndHash(payload);
        step = 2;
        return concat(ePub, encP);
    }

    byte[] readMessage2(byte[] message) throws GeneralSecurityException {
        expect(true, 1);
        if (message.length < MESSAGE2_OVERHEAD) {
            throw new GeneralSecurityException("message 2 is " + message.length + " bytes, under " + MESSAGE2_OVERHEAD);
        }
        re = Arrays.copyOfRange(message, 0, 32);
        ss.mixHash(re);
        ss.mixKey(X25519.dh(e, re));
        ss.mixKey(X25519.dh(s, re));
        byte[] payload = ss.decryptAndHash(Arrays.copyOfRange(message, 32, message.length));
        step = 2;
        return payload;
    }

    /** After message 2: {initiator-to-responder key, responder-to-initiator key}. */
    byte[][] split() {
        if (step != 2) {
            throw new IllegalStateException("handshake not finished");
        }
        return ss.split();
    }

    byte[] remoteStatic() {
        return rs.clone();
    }

    byte[] handshakeHash() {
        return ss.handshakeHash();
    }

    byte[] chainingKey() {
        return ss.chainingKey();
    }

    private void expect(boolean asInitiator, int atStep) {
        if (initiator != asInitiator || step != atStep) {
            throw new IllegalStateException("handshake message out of order");
        }
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int o = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, o, p.length);
            o += p.length;
        }
        return out;
    }
}

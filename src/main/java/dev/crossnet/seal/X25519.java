package dev.crossnet.seal;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.XECPrivateKey;
import java.security.interfaces.XECPublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.util.Arrays;
import javax.crypto.KeyAgreement;

/**
 * X25519 (RFC 7748) on raw 32-byte little-endian keys, through the JDK's {@code XDH} provider.
 * Stateless and thread-safe; every call allocates (handshakes only, never the packet path).
 */
public final class X25519 {
    /** Bytes in a key or a shared secret. */
    public static final int KEY_BYTES = 32;
    private static final byte[] BASE_POINT = new byte[KEY_BYTES];

    static {
        BASE_POINT[0] = 9;
    }

    private X25519() {
    }

    /** A fresh private key (32 raw bytes) from the JDK's {@code X25519} key pair generator. */
    public static byte[] generatePrivate() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("X25519");
            XECPrivateKey k = (XECPrivateKey) g.generateKeyPair().getPrivate();
            return k.getScalar().orElseThrow();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no X25519", e);
        }
    }

    /** The public key of {@code privateKey}: X25519(k, 9). */
    public static byte[] publicKey(byte[] privateKey) {
        try {
            return dh(privateKey, BASE_POINT);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not an X25519 private key", e);
        }
    }

    /**
     * The shared secret X25519(privateKey, publicKey).
     *
     * @throws GeneralSecurityException when the result is all zeros (a low-order public key)
     */
    public static byte[] dh(byte[] privateKey, byte[] publicKey) throws GeneralSecurityException {
        check(privateKey);
        check(publicKey);
        KeyAgreement ka = KeyAgreement.getInstance("X25519");
        ka.init(toPrivate(privateKey));
        ka.doPhase(toPublic(publicKey), true);
        byte[] secret = ka.generateSecret();
        if (isZero(secret)) {
            throw new GeneralSecurityException("X25519 output is zero (low-order point)");
        }
        return secret;
    }

    /** The JDK key for these raw bytes. */
    public static PublicKey toPublic(byte[] raw) throws GeneralSecurityException {
        check(raw);
        byte[] be = new byte[KEY_BYTES];
        for (int i = 0; i < KEY_BYTES; i++) {
            be[i] = raw[KEY_BYTES - 1 - i];
        }
        be[0] &= 0x7f; // RFC 7748 section 5: the top bit of the last byte is masked
        return KeyFactory.getInstance("XDH").generatePublic(
                new XECPublicKeySpec(NamedParameterSpec.X25519, new BigInteger(1, be)));
    }

    /** The raw 32 bytes of an X25519 public key (the u coordinate, little-endian). */
    public static byte[] raw(PublicKey key) {
        if (!(key instanceof XECPublicKey)
                || !(((XECPublicKey) key).getParams() instanceof NamedParameterSpec)
                || !"X25519".equalsIgnoreCase(((NamedParameterSpec) ((XECPublicKey) key).getParams()).getName())) {
            throw new IllegalArgumentException("not an X25519 public key: " + key.getAlgorithm());
        }
        byte[] be = ((XECPublicKey) key).getU().toByteArray();
        byte[] le = new byte[KEY_BYTES];
        for (int i = 0; i < KEY_BYTES && i < be.length; i++) {
            le[i] = be[be.length - 1 - i];
        }
        return le;
    }

    private static PrivateKey toPrivate(byte[] raw) throws GeneralSecurityException {
        return KeyFactory.getInstance("XDH").generatePrivate(
                new XECPrivateKeySpec(NamedParameterSpec.X25519, raw.clone()));
    }

    private static void check(byte[] key) {
        if (key == null || key.length != KEY_BYTES) {
            throw new IllegalArgumentException("X25519 keys are " + KEY_BYTES + " bytes");
        }
    }

    private static boolean isZero(byte[] b) {
        int acc = 0;
        for (byte x : b) {
            acc |= x;
        }
        return acc == 0 && Arrays.equals(b, new byte[b.length]);
    }
}

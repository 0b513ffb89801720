package dev.crossnet.seal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The Noise {@code SymmetricState} with its embedded {@code CipherState} (Noise rev. 34, sections
 * 5.1 and 5.2) for {@code Noise_*_25519_AESGCM_SHA256}: SHA-256 for {@code HASH}, HMAC-SHA256 HKDF,
 * AES-256-GCM with the nonce {@code 0x00000000 || n} (64-bit big-endian). Handshake only: every
 * call allocates. Not thread-safe; one per handshake.
 */
final class SymmetricState {
    static final int HASH_LEN = 32;
    static final int TAG_LEN = 16;
    static final String PROTOCOL_NAME = "Noise_IK_25519_AESGCM_SHA256";

    private byte[] ck;
    private byte[] h;
    private byte[] k; // null: the CipherState is empty
    private long n;

    /** InitializeSymmetric(protocolName): the name is 28 bytes, so h is the name padded with zeros. */
    SymmetricState(String protocolName) {
        byte[] name = protocolName.getBytes(StandardCharsets.US_ASCII);
        h = name.length <= HASH_LEN ? Arrays.copyOf(name, HASH_LEN) : sha256(name);
        ck = h.clone();
    }

    void mixHash(byte[] data) {
        h = sha256(h, data);
    }

    void mixKey(byte[] ikm) {
        byte[][] out = hkdf(ck, ikm, 2);
        ck = out[0];
        k = out[1]; // HASHLEN 32 = AES-256 key length, no truncation
        n = 0;
    }

    byte[] encryptAndHash(byte[] plaintext) {
        byte[] c = k == null ? plaintext.clone() : encrypt(k, n++, h, plaintext);
        mixHash(c);
        return c;
    }

    byte[] decryptAndHash(byte[] ciphertext) throws AEADBadTagException {
        byte[] p = k == null ? ciphertext.clone() : decrypt(k, n++, h, ciphertext);
        mixHash(ciphertext);
        return p;
    }

    /** Split(): {initiator-to-responder key, responder-to-initiator key}. */
    byte[][] split() {
        return hkdf(ck, new byte[0], 2);
    }

    byte[] handshakeHash() {
        return h.clone();
    }

    byte[] chainingKey() {
        return ck.clone();
    }

    /** Noise's HKDF(chainingKey, ikm, numOutputs): RFC 5869 with salt = chainingKey and empty info. */
    static byte[][] hkdf(byte[] chainingKey, byte[] ikm, int outputs) {
        byte[] temp = hmac(chainingKey, ikm);
        byte[][] out = new byte[outputs][];
        byte[] prev = new byte[0];
        for (int i = 0; i < outputs; i++) {
            byte[] in = Arrays.copyOf(prev, prev.length + 1);
            in[prev.length] = (byte) (i + 1);
            prev = hmac(temp, in);
            out[i] = prev;
        }
        return out;
    }

    /** ENCRYPT(k, n, ad, plaintext) of Noise's AESGCM: ciphertext followed by the 16-byte tag. */
    static byte[] encrypt(byte[] key, long nonce, byte[] ad, byte[] plaintext) {
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_LEN * 8, nonce(nonce)));
            c.updateAAD(ad);
            return c.doFinal(plaintext);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    /** DECRYPT(k, n, ad, ciphertext); throws when the tag does not verify. */
    static byte[] decrypt(byte[] key, long nonce, byte[] ad, byte[] ciphertext) throws AEADBadTagException {
        if (ciphertext.length < TAG_LEN) {
            throw new AEADBadTagException("shorter than a tag");
        }
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_LEN * 8, nonce(nonce)));
            c.updateAAD(ad);
            return c.doFinal(ciphertext);
        } catch (AEADBadTagException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    /** The 96-bit AESGCM nonce: 32 zero bits, then n as 64-bit big-endian. */
    static byte[] nonce(long n) {
        byte[] iv = new byte[12];
        for (int i = 0; i < 8; i++) {
            iv[4 + i] = (byte) (n >>> (56 - 8 * i));
        }
        return iv;
    }

    static byte[] sha256(byte[]... parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (byte[] p : parts) {
                md.update(p);
            }
            return md.digest();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            // An empty HMAC key is the all-zero block (RFC 2104); SecretKeySpec refuses empty keys.
            m.init(new SecretKeySpec(key.length == 0 ? new byte[HASH_LEN] : key, "HmacSHA256"));
            return m.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }
}

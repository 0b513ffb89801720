package dev.crossnet.pki;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;

/**
 * The digest of a CA certificate that a join token carries, as in Docker Swarm's {@code
 * SWMTKN-1-<digest>-<secret>}: SHA-256 of the certificate's DER, in base 36, zero-padded to
 * {@value #LENGTH} characters (36^50 &gt; 2^256, so every digest fits). A joining host computes it for
 * the CA the endpoint shows and compares before sending anything secret. Stateless.
 */
public final class CaDigest {
    public static final int LENGTH = 50;

    private CaDigest() {
    }

    public static String of(X509Certificate ca) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(ca.getEncoded());
            return pad(new BigInteger(1, d).toString(36), LENGTH);
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException("cannot digest the CA certificate: " + e.getMessage(), e);
        }
    }

    /** Whether {@code ca}'s digest is {@code expected}; compares in constant time. */
    public static boolean matches(X509Certificate ca, String expected) {
        return MessageDigest.isEqual(of(ca).getBytes(StandardCharsets.US_ASCII), expected.getBytes(StandardCharsets.US_ASCII));
    }

    static String pad(String s, int len) {
        return "0".repeat(Math.max(0, len - s.length())) + s;
    }
}

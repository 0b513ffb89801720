package dev.crossnet.pki;

import java.security.KeyPair;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

/** Key pairs and public-key encodings the CA certifies. Stateless, thread-safe. */
public final class HostKeys {
    public static final int X25519_KEY_BYTES = 32;

    private HostKeys() {
    }

    /** A new ECDSA P-256 key pair, the kind every TLS certificate of the cluster uses. */
    public static KeyPair ecdsa() {
        return ClusterCa.generate("EC", "secp256r1");
    }

    /** The X.509 form (RFC 8410, OID 1.3.101.110) of a raw X25519 public key. */
    public static SubjectPublicKeyInfo x25519(byte[] raw) {
        if (raw == null || raw.length != X25519_KEY_BYTES) {
            throw new IllegalArgumentException("an X25519 public key is " + X25519_KEY_BYTES + " bytes, not "
                    + (raw == null ? "null" : raw.length));
        }
        return new SubjectPublicKeyInfo(new AlgorithmIdentifier(EdECObjectIdentifiers.id_X25519), raw.clone());
    }

    /** The raw 32 bytes of a certificate's X25519 key. @throws IllegalArgumentException if it holds another key type */
    public static byte[] x25519(java.security.cert.X509Certificate cert) {
        SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(cert.getPublicKey().getEncoded());
        if (!EdECObjectIdentifiers.id_X25519.equals(spki.getAlgorithm().getAlgorithm())) {
            throw new IllegalArgumentException("certificate of " + cert.getSubjectX500Principal() + " holds no X25519 key");
        }
        return spki.getPublicKeyData().getOctets();
    }
}

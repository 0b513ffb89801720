package dev.crossnet.pki;

import dev.crossnet.CrossnetException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Arrays;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The cluster's certificate authority: an ECDSA P-256 key and a self-signed certificate, made once
 * by {@code crossnet init} and kept on that host. It signs host certificates ({@link #issue}) for
 * any public key in X.509 form: ECDSA keys for TLS (etcd client and peer, the join endpoint) and
 * X25519 keys ({@link HostKeys#x25519}) that a host uses for key agreement. Immutable and
 * thread-safe.
 */
public final class ClusterCa {
    public static final Duration CA_VALIDITY = Duration.ofDays(3650);
    public static final Duration HOST_VALIDITY = Duration.ofDays(825);
    /** id-pe-ipAddrBlocks (RFC 3779 section 2.2.1): the subnets a key-agreement certificate binds. */
    public static final String IP_ADDR_BLOCKS_OID = "1.3.6.1.5.5.7.1.7";
    private static final String SIGNATURE = "SHA256withECDSA";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final X509Certificate cert;
    private final PrivateKey key;
    private final Clock clock;

    private ClusterCa(X509Certificate cert, PrivateKey key, Clock clock) {
        this.cert = cert;
        this.key = key;
        this.clock = clock;
    }

    /** Makes a new CA named {@code CN=<name>}, valid from a minute ago for {@link #CA_VALIDITY}. */
    public static ClusterCa create(String name, Clock clock) {
        KeyPair kp = HostKeys.ecdsa();
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "crossnet").addRDN(BCStyle.CN, name).build();
        Instant now = clock.instant();
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new X509v3CertificateBuilder(subject, serial(), Date.from(now.minusSeconds(60)),
                    Date.from(now.plus(CA_VALIDITY)), subject, SubjectPublicKeyInfo.getInstance(kp.getPublic().getEncoded()))
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
            return new ClusterCa(sign(b, kp.getPrivate()), kp.getPrivate(), clock);
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot make the CA certificate: " + e.getMessage(), e);
        }
    }

    /** Loads a CA saved by {@link #save}. @throws CrossnetException if a file is missing or the key does not match */
    public static ClusterCa load(Path certFile, Path keyFile, Clock clock) {
        X509Certificate c = Pem.readCertificate(certFile);
        PrivateKey k = Pem.readPrivateKey(keyFile);
        ClusterCa ca = new ClusterCa(c, k, clock);
        // Sign something and check it with the certificate's key: a mismatched pair fails here, not in a joiner.
        X509Certificate probe = ca.issue(HostCertificateRequest.tls("probe", HostKeys.ecdsa().getPublic(), List.of()));
        if (!Certificates.signedBy(probe, c)) {
            throw new CrossnetException(keyFile + " is not the key of " + certFile);
        }
        return ca;
    }

    /** Writes the certificate (0644) and key (0600); both files must not exist yet. */
    public void save(Path certFile, Path keyFile) {
        Pem.writeSecret(keyFile, Pem.privateKey(key));
        Certificates.writePublic(certFile, Pem.certificate(cert));
    }

    public X509Certificate certificate() {
        return cert;
    }

    /** {@link CaDigest#of} this CA's certificate. */
    public String digest() {
        return CaDigest.of(cert);
    }

    /**
     * Signs a certificate for {@code req}'s public key, subject {@code O=crossnet, CN=<host>}, with
     * the host's IP addresses as subject alternative names. A {@link HostCertificateRequest.Usage#TLS}
     * certificate is good for TLS servers and clients (digitalSignature, serverAuth + clientAuth); a
     * {@link HostCertificateRequest.Usage#KEY_AGREEMENT} one (for X25519 keys) for keyAgreement only.
     */
    public X509Certificate issue(HostCertificateRequest req) {
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "crossnet").addRDN(BCStyle.CN, req.host()).build();
        Instant now = clock.instant();
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new X509v3CertificateBuilder(
                    org.bouncycastle.asn1.x500.X500Name.getInstance(cert.getSubjectX500Principal().getEncoded()), serial(),
                    Date.from(now.minusSeconds(60)), Date.from(now.plus(req.validity())), subject, req.publicKey())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(cert));
            if (req.usage() == HostCertificateRequest.Usage.TLS) {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
                b.addExtension(Extension.extendedKeyUsage, false,
                        new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            } else {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyAgreement));
            }
            List<GeneralName> sans = new ArrayList<>();
            sans.add(new GeneralName(GeneralName.dNSName, req.host()));
            for (InetAddress ip : req.addresses()) {
                sans.add(new GeneralName(GeneralName.iPAddress, ip.getHostAddress()));
            }
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(new GeneralName[0])));
            if (!req.prefixes().isEmpty()) {
                b.addExtension(new ASN1ObjectIdentifier(IP_ADDR_BLOCKS_OID), true, ipAddrBlocks(req.prefixes()));
            }
            return sign(b, key);
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign a certificate for " + req.host() + ": " + e.getMessage(), e);
        }
    }

    /** RFC 3779 IPAddrBlocks: one IPv4 family (AFI 1) listing {@code prefixes} ({@code a.b.c.d/n}) as bit strings. */
    static ASN1Encodable ipAddrBlocks(List<String> prefixes) {
        List<ASN1Encodable> items = new ArrayList<>();
        for (String p : prefixes) {
            String[] parts = p.split("/", 2);
            byte[] addr;
            int len;
            try {
                addr = InetAddress.getByName(parts[0]).getAddress();
                len = Integer.parseInt(parts[1]);
            } catch (java.io.IOException | RuntimeException e) {
                throw new IllegalArgumentException("not an IPv4 prefix: " + p, e);
            }
            if (addr.length != 4 || len < 0 || len > 32) {
                throw new IllegalArgumentException("not an IPv4 prefix: " + p);
            }
            // A prefix is its first len bits: whole bytes, the unused bits of the last one counted as padding.
            items.add(new DERBitString(Arrays.copyOf(addr, (len + 7) / 8), (8 - len % 8) % 8));
        }
        return new DERSequence(new DERSequence(new ASN1Encodable[] {
            new DEROctetString(new byte[] {0, 1}), new DERSequence(items.toArray(new ASN1Encodable[0]))}));
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key) throws CertificateException {
        try {
            ContentSigner signer = new JcaContentSignerBuilder(SIGNATURE).build(key);
            return new JcaX509CertificateConverter().getCertificate(b.build(signer));
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("cannot sign with " + SIGNATURE + ": " + e.getMessage(), e);
        }
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE); // positive, unique in practice
    }

    /** A KeyPairGenerator call that cannot fail on a standard JDK. */
    static KeyPair generate(String algorithm, String curve) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
            if (curve != null) {
                g.initialize(new ECGenParameterSpec(curve), RANDOM);
            }
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot make " + algorithm + " keys: " + e.getMessage(), e);
        }
    }

    static SubjectPublicKeyInfo spki(PublicKey key) {
        return SubjectPublicKeyInfo.getInstance(key.getEncoded());
    }
}

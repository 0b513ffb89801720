package dev.crossnet.seal;

import java.math.BigInteger;
import java.net.InetAddress;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away cluster CA for tests (Ed25519, BouncyCastle's certificate builder) that issues host
 * certificates of the profile {@link Certificates} describes. Stands in for the real issuing side
 * (the pki package), which must produce the same profile.
 */
final class TestCa {
    private static final AtomicLong SERIAL = new AtomicLong(1);
    final KeyPair keys;
    final X509Certificate certificate;
    final X500Name name;

    TestCa(String commonName) throws Exception {
        keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        name = new X500Name("CN=" + commonName);
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(SERIAL.getAndIncrement()),
                Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(3650))), name, keys.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        certificate = new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("Ed25519").build(keys.getPrivate())));
    }

    X509Certificates verifier() {
        return new X509Certificates(certificate);
    }

    /** A host certificate for {@code staticKey} (raw X25519 public) and IPv4 {@code subnets}. */
    byte[] issue(String host, byte[] staticKey, List<String> subnets, Instant notBefore, Instant notAfter) throws Exception {
        PublicKey pub = X25519.toPublic(staticKey);
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(SERIAL.getAndIncrement()),
                Date.from(notBefore), Date.from(notAfter), new X500Name("CN=" + host), pub);
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(new ASN1ObjectIdentifier(X509Certificates.IP_ADDR_BLOCKS_OID), true, ipAddrBlocks(subnets));
        return b.build(new JcaContentSignerBuilder("Ed25519").build(keys.getPrivate())).getEncoded();
    }

    byte[] issue(String host, byte[] staticKey, String... subnets) throws Exception {
        Instant now = Instant.now();
        return issue(host, staticKey, List.of(subnets), now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(365)));
    }

    /** RFC 3779 IPAddrBlocks with one IPv4 family of prefixes. */
    static ASN1Encodable ipAddrBlocks(List<String> subnets) throws Exception {
        List<ASN1Encodable> prefixes = new ArrayList<>();
        for (String s : subnets) {
            String[] parts = s.split("/");
            byte[] addr = InetAddress.getByName(parts[0]).getAddress();
            int len = Integer.parseInt(parts[1]);
            byte[] bits = java.util.Arrays.copyOf(addr, (len + 7) / 8);
            prefixes.add(new DERBitString(bits, (8 - len % 8) % 8));
        }
        DERSequence family = new DERSequence(new ASN1Encodable[] {
            new DEROctetString(new byte[] {0, 1}), new DERSequence(prefixes.toArray(new ASN1Encodable[0]))});
        return new DERSequence(family);
    }
}

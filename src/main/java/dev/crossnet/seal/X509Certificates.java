package dev.crossnet.seal;

import dev.crossnet.model.Subnet;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Null;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1BitString;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

/**
 * {@link Certificates} for X.509 host certificates of the profile in {@link Certificates}:
 * signature and dates through the JDK, the RFC 3779 subnets and the subject CN through
 * BouncyCastle's ASN.1 parser. Thread-safe and stateless after construction.
 */
public final class X509Certificates implements Certificates {
    /** id-pe-ipAddrBlocks (RFC 3779 section 2.2.1). */
    public static final String IP_ADDR_BLOCKS_OID = "1.3.6.1.5.5.7.1.7";
    private static final int MAX_CERTIFICATE_BYTES = 16 * 1024;

    private final X509Certificate ca;

    public X509Certificates(X509Certificate clusterCa) {
        this.ca = clusterCa;
    }

    /** The CA certificate (PEM or DER) these certificates are checked against. */
    public static X509Certificates trusting(byte[] caCertificate) throws CertificateRejected {
        return new X509Certificates(parse(caCertificate));
    }

    @Override
    public PeerIdentity verify(byte[] der, Instant now) throws CertificateRejected {
        if (der == null || der.length == 0 || der.length > MAX_CERTIFICATE_BYTES) {
            throw new CertificateRejected("certificate missing or larger than " + MAX_CERTIFICATE_BYTES + " bytes");
        }
        X509Certificate cert = parse(der);
        X500Principal issuer = cert.getIssuerX500Principal();
        if (!issuer.equals(ca.getSubjectX500Principal())) {
            throw new CertificateRejected("issued by " + issuer.getName() + ", not by the cluster CA " + ca.getSubjectX500Principal().getName());
        }
        try {
            cert.verify(ca.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new CertificateRejected("signature is not the cluster CA's (" + e.getMessage() + ")", e);
        }
        Date at = Date.from(now);
        try {
            ca.checkValidity(at);
        } catch (GeneralSecurityException e) {
            throw new CertificateRejected("the cluster CA certificate is not valid at " + now, e);
        }
        try {
            cert.checkValidity(at);
        } catch (GeneralSecurityException e) {
            throw new CertificateRejected("not valid at " + now + " (valid " + cert.getNotBefore().toInstant() + " to " + cert.getNotAfter().toInstant() + ")", e);
        }
        byte[] key;
        try {
            key = X25519.raw(cert.getPublicKey());
        } catch (IllegalArgumentException e) {
            throw new CertificateRejected("subject key is not X25519: " + cert.getPublicKey().getAlgorithm(), e);
        }
        return new PeerIdentity(hostName(cert), key, subnets(cert), cert.getNotAfter().toInstant());
    }

    private static String hostName(X509Certificate cert) throws CertificateRejected {
        RDN[] cn = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded()).getRDNs(BCStyle.CN);
        if (cn.length != 1) {
            throw new CertificateRejected("subject needs exactly one CN (the host name), has " + cn.length);
        }
        String name = IETFUtils.valueToString(cn[0].getFirst().getValue());
        if (name.isEmpty()) {
            throw new CertificateRejected("subject CN is empty");
        }
        return name;
    }

    /** The prefixes of the RFC 3779 extension; ranges and "inherit" are refused. */
    static List<Subnet> subnets(X509Certificate cert) throws CertificateRejected {
        byte[] ext = cert.getExtensionValue(IP_ADDR_BLOCKS_OID);
        if (ext == null) {
            throw new CertificateRejected("no IP address blocks extension (" + IP_ADDR_BLOCKS_OID + "): the certificate binds no subnet");
        }
        List<Subnet> out = new ArrayList<>();
        try {
            ASN1Primitive blocks = ASN1Primitive.fromByteArray(ASN1OctetString.getInstance(ext).getOctets());
            for (ASN1Encodable f : ASN1Sequence.getInstance(blocks)) {
                ASN1Sequence family = ASN1Sequence.getInstance(f);
                byte[] afi = ASN1OctetString.getInstance(family.getObjectAt(0)).getOctets();
                int bytes = afi.length >= 2 && afi[0] == 0 && afi[1] == 1 ? 4 : afi.length >= 2 && afi[0] == 0 && afi[1] == 2 ? 16 : 0;
                if (bytes == 0) {
                    throw new CertificateRejected("IP address family " + Arrays.toString(afi) + " is neither IPv4 nor IPv6");
                }
                ASN1Encodable choice = family.getObjectAt(1);
                if (choice instanceof ASN1Null) {
                    throw new CertificateRejected("IP address blocks say \"inherit\"; a host certificate must list its subnets");
                }
                for (ASN1Encodable item : ASN1Sequence.getInstance(choice)) {
                    if (!(item instanceof ASN1BitString)) {
                        throw new CertificateRejected("IP address ranges are not supported, only prefixes");
                    }
                    ASN1BitString prefix = (ASN1BitString) item;
                    byte[] b = prefix.getBytes();
                    int length = b.length * 8 - prefix.getPadBits();
                    if (b.length > bytes || length < 0) {
                        throw new CertificateRejected("IP prefix longer than its address family");
                    }
                    String address = InetAddress.getByAddress(Arrays.copyOf(b, bytes)).getHostAddress();
                    out.add(Subnet.parse(address + "/" + length));
                }
            }
        } catch (IOException | IllegalArgumentException | IllegalStateException | ClassCastException | IndexOutOfBoundsException e) {
            throw new CertificateRejected("malformed IP address blocks extension: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new CertificateRejected("IP address blocks extension lists no subnet");
        }
        return out;
    }

    static X509Certificate parse(byte[] encoded) throws CertificateRejected {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(encoded));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new CertificateRejected("not an X.509 certificate: " + e.getMessage(), e);
        }
    }
}

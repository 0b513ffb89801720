package dev.crossnet.pki;

import java.net.InetAddress;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

/**
 * What the CA certifies for a host: its name, a public key in X.509 form, its addresses.
 *
 * @param host      the host name, the certificate's CN and DNS name
 * @param publicKey any key type X.509 can name: EC (TLS) or X25519 (OID 1.3.101.110, key agreement)
 * @param addresses the host's IP addresses, put in the subject alternative names (etcd checks them)
 * @param prefixes  IP prefixes ({@code a.b.c.d/n}) the host may send from, written as an RFC 3779
 *                  IP address blocks extension (key-agreement certificates for the sealed datapath); may be empty
 */
public record HostCertificateRequest(String host, SubjectPublicKeyInfo publicKey, List<InetAddress> addresses, Usage usage,
                                     Duration validity, List<String> prefixes) {

    /** What the certified key is for. */
    public enum Usage { TLS, KEY_AGREEMENT }

    public HostCertificateRequest {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host name is empty");
        }
        addresses = List.copyOf(addresses);
        prefixes = List.copyOf(prefixes);
    }

    /** A TLS server+client certificate request for a JCA public key (EC or RSA). */
    public static HostCertificateRequest tls(String host, PublicKey key, List<InetAddress> addresses) {
        return new HostCertificateRequest(host, ClusterCa.spki(key), addresses, Usage.TLS, ClusterCa.HOST_VALIDITY, List.of());
    }

    /** A key-agreement certificate request for a raw 32-byte X25519 public key (e.g. a Noise static key). */
    public static HostCertificateRequest x25519(String host, byte[] rawPublicKey, List<InetAddress> addresses) {
        return x25519(host, rawPublicKey, addresses, List.of());
    }

    /**
     * A key-agreement certificate request for a raw X25519 public key that also binds the IPv4
     * {@code prefixes} the host may use as inner source addresses (the sealed datapath's profile).
     */
    public static HostCertificateRequest x25519(String host, byte[] rawPublicKey, List<InetAddress> addresses, List<String> prefixes) {
        return new HostCertificateRequest(host, HostKeys.x25519(rawPublicKey), addresses, Usage.KEY_AGREEMENT,
                ClusterCa.HOST_VALIDITY, prefixes);
    }
}

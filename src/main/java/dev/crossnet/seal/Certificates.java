package dev.crossnet.seal;

import java.time.Instant;

/**
 * The cluster CA's word on host certificates: the one thing the encrypted datapath asks of the
 * PKI. An implementation holds the trusted CA and nothing secret.
 *
 * <p>The host certificate profile (what an issuer must write, {@link X509Certificates} reads):
 * an X.509 v3 certificate signed directly by the cluster CA; the subject public key is the host's
 * static X25519 key (OID 1.3.101.110); the subject CN is the host name; an RFC 3779 IP address
 * delegation extension (id-pe-ipAddrBlocks, 1.3.6.1.5.5.7.1.7) lists the host's subnets as
 * prefixes, and it is the only source of the subnets a peer may send from.
 */
public interface Certificates {
    /**
     * Verifies a host certificate (DER) against the cluster CA at {@code now} and returns what it
     * binds. Thread-safe; never returns null.
     *
     * @throws CertificateRejected when the certificate is malformed, not signed by the cluster CA,
     *     outside its validity at {@code now}, or not of the host profile
     */
    PeerIdentity verify(byte[] certificateDer, Instant now) throws CertificateRejected;
}

package dev.crossnet.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crossnet.CrossnetException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterCaTest {
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    @Test
    void issue_tlsCertificate_signedByCaWithAddressesAndBothUsages() throws Exception {
        ClusterCa ca = ClusterCa.create("test", CLOCK);
        KeyPair kp = HostKeys.ecdsa();
        X509Certificate c = ca.issue(HostCertificateRequest.tls("h2", kp.getPublic(),
                List.of(InetAddress.getByName("172.30.0.12"))));
        assertThat(Certificates.signedBy(c, ca.certificate())).isTrue();
        assertThat(Certificates.commonName(c)).isEqualTo("h2");
        assertThat(c.getPublicKey()).isEqualTo(kp.getPublic());
        assertThat(c.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        assertThat(c.getSubjectAlternativeNames()).anySatisfy(san -> assertThat(san.get(1)).isEqualTo("172.30.0.12"));
        assertThat(c.getBasicConstraints()).isEqualTo(-1);
        assertThat(ca.certificate().getBasicConstraints()).isEqualTo(0);
        Certificates.verify(c, ca.certificate(), CLOCK.instant());
    }

    @Test
    void issue_x25519Key_certifiedForKeyAgreementAndReadBack() throws Exception {
        ClusterCa ca = ClusterCa.create("test", CLOCK);
        KeyPair x = KeyPairGenerator.getInstance("X25519").generateKeyPair();
        byte[] spki = x.getPublic().getEncoded();
        byte[] raw = java.util.Arrays.copyOfRange(spki, spki.length - 32, spki.length);
        X509Certificate c = ca.issue(HostCertificateRequest.x25519("h3", raw, List.of()));
        assertThat(Certificates.signedBy(c, ca.certificate())).isTrue();
        assertThat(c.getPublicKey().getAlgorithm()).isIn("X25519", "XDH");
        assertThat(HostKeys.x25519(c)).isEqualTo(raw);
        assertThat(c.getKeyUsage()[4]).as("keyAgreement").isTrue();
        assertThat(c.getKeyUsage()[0]).as("digitalSignature").isFalse();
    }

    /** The issuing side of the seal profile: what ClusterCa writes, seal's verifier reads (key, name, RFC 3779 prefixes). */
    @Test
    void issue_x25519WithPrefixes_readBySealVerifierAsTheHostsSubnets() throws Exception {
        ClusterCa ca = ClusterCa.create("test", Clock.systemUTC());
        byte[] priv = dev.crossnet.seal.X25519.generatePrivate();
        byte[] pub = dev.crossnet.seal.X25519.publicKey(priv);
        X509Certificate c = ca.issue(HostCertificateRequest.x25519("h3", pub, List.of(), List.of("10.5.0.0/16", "10.77.3.0/24")));
        dev.crossnet.seal.PeerIdentity id = dev.crossnet.seal.X509Certificates.trusting(ca.certificate().getEncoded())
                .verify(c.getEncoded(), Instant.now());
        assertThat(id.hostName()).isEqualTo("h3");
        assertThat(id.staticKey()).isEqualTo(pub);
        assertThat(id.subnets()).extracting(Object::toString).containsExactly("10.5.0.0/16", "10.77.3.0/24");
    }

    @Test
    void x25519_wrongLength_refused() {
        assertThatThrownBy(() -> HostKeys.x25519(new byte[31])).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32 bytes");
    }

    @Test
    void signedBy_otherCa_false() {
        ClusterCa a = ClusterCa.create("a", CLOCK);
        ClusterCa b = ClusterCa.create("b", CLOCK);
        X509Certificate c = a.issue(HostCertificateRequest.tls("h", HostKeys.ecdsa().getPublic(), List.of()));
        assertThat(Certificates.signedBy(c, b.certificate())).isFalse();
        assertThatThrownBy(() -> Certificates.verify(c, b.certificate(), CLOCK.instant()))
                .hasMessageContaining("not signed by the cluster CA");
    }

    @Test
    void verify_expired_refused() {
        ClusterCa ca = ClusterCa.create("a", CLOCK);
        X509Certificate c = ca.issue(HostCertificateRequest.tls("h", HostKeys.ecdsa().getPublic(), List.of()));
        assertThatThrownBy(() -> Certificates.verify(c, ca.certificate(), CLOCK.instant().plus(ClusterCa.HOST_VALIDITY).plusSeconds(3600)))
                .hasMessageContaining("not valid now");
    }

    @Test
    void saveAndLoad_roundTrip_keyIsOwnerOnly(@TempDir Path dir) throws Exception {
        ClusterCa ca = ClusterCa.create("a", CLOCK);
        ca.save(dir.resolve("ca.crt"), dir.resolve("ca.key"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca.key")))).isEqualTo("rw-------");
        ClusterCa back = ClusterCa.load(dir.resolve("ca.crt"), dir.resolve("ca.key"), CLOCK);
        assertThat(back.digest()).isEqualTo(ca.digest());
        assertThat(Files.readString(dir.resolve("ca.key"))).startsWith("-----BEGIN PRIVATE KEY-----");
    }

    @Test
    void load_keyOfAnotherCa_refused(@TempDir Path dir) {
        ClusterCa.create("a", CLOCK).save(dir.resolve("a.crt"), dir.resolve("a.key"));
        ClusterCa.create("b", CLOCK).save(dir.resolve("b.crt"), dir.resolve("b.key"));
        assertThatThrownBy(() -> ClusterCa.load(dir.resolve("a.crt"), dir.resolve("b.key"), CLOCK))
                .isInstanceOf(CrossnetException.class).hasMessageContaining("is not the key of");
    }

    @Test
    void digest_fixedLengthBase36_differsPerCa_matchesOwn() {
        ClusterCa a = ClusterCa.create("a", CLOCK);
        ClusterCa b = ClusterCa.create("a", CLOCK);
        assertThat(a.digest()).hasSize(CaDigest.LENGTH).matches("[0-9a-z]+");
        assertThat(a.digest()).isNotEqualTo(b.digest());
        assertThat(CaDigest.matches(a.certificate(), a.digest())).isTrue();
        assertThat(CaDigest.matches(b.certificate(), a.digest())).isFalse();
    }

    @Test
    void pem_garbage_clearError() {
        assertThatThrownBy(() -> Pem.parseCertificate("hello", "x.crt")).hasMessageContaining("x.crt");
    }
}

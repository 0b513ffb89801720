package dev.crossnet.seal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crossnet.model.Subnet;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class X509CertificatesTest {
    private final Instant now = Instant.now();

    @Test
    void verify_hostCertificate_returnsKeyNameAndSubnets() throws Exception {
        TestCa ca = new TestCa("crossnet cluster CA");
        byte[] key = X25519.publicKey(X25519.generatePrivate());
        PeerIdentity id = ca.verifier().verify(ca.issue("h1", key, "10.5.2.0/24", "10.9.0.0/16"), now);
        assertThat(id.hostName()).isEqualTo("h1");
        assertThat(id.staticKey()).isEqualTo(key);
        assertThat(id.subnets()).containsExactly(Subnet.parse("10.5.2.0/24"), Subnet.parse("10.9.0.0/16"));
    }

    @Test
    void verify_foreignCaWithSameName_rejectedForSignature() throws Exception {
        TestCa ca = new TestCa("crossnet cluster CA");
        TestCa foreign = new TestCa("crossnet cluster CA");
        byte[] cert = foreign.issue("h1", X25519.publicKey(X25519.generatePrivate()), "10.5.2.0/24");
        assertThatThrownBy(() -> ca.verifier().verify(cert, now)).isInstanceOf(CertificateRejected.class).hasMessageContaining("signature");
    }

    @Test
    void verify_expiredOrNotYetValid_rejected() throws Exception {
        TestCa ca = new TestCa("ca");
        byte[] key = X25519.publicKey(X25519.generatePrivate());
        byte[] expired = ca.issue("h1", key, List.of("10.5.2.0/24"), now.minus(Duration.ofDays(2)), now.minus(Duration.ofDays(1)));
        byte[] future = ca.issue("h1", key, List.of("10.5.2.0/24"), now.plus(Duration.ofDays(1)), now.plus(Duration.ofDays(2)));
        assertThatThrownBy(() -> ca.verifier().verify(expired, now)).isInstanceOf(CertificateRejected.class).hasMessageContaining("not valid");
        assertThatThrownBy(() -> ca.verifier().verify(future, now)).isInstanceOf(CertificateRejected.class).hasMessageContaining("not valid");
    }

    @Test
    void verify_noSubnets_rejected() throws Exception {
        TestCa ca = new TestCa("ca");
        byte[] cert = ca.issue("h1", X25519.publicKey(X25519.generatePrivate()), List.of(), now.minusSeconds(60), now.plusSeconds(600));
        assertThatThrownBy(() -> ca.verifier().verify(cert, now)).isInstanceOf(CertificateRejected.class).hasMessageContaining("no subnet");
    }

    @Test
    void verify_garbage_rejected() throws Exception {
        TestCa ca = new TestCa("ca");
        assertThatThrownBy(() -> ca.verifier().verify(new byte[] {0x30, 0x03, 1, 2, 3}, now)).isInstanceOf(CertificateRejected.class);
        assertThatThrownBy(() -> ca.verifier().verify(new byte[0], now)).isInstanceOf(CertificateRejected.class);
    }
}

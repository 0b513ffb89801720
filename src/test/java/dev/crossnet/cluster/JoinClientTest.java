package dev.crossnet.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crossnet.CrossnetException;
import dev.crossnet.pki.ClusterCa;
import dev.crossnet.pki.HostCertificateRequest;
import dev.crossnet.pki.HostKeys;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The joiner's CA check and the wire format, against a real JoinServer on loopback with a stub handler. */
class JoinClientTest {
    final ClusterCa ca = ClusterCa.create("test", Clock.systemUTC());
    final AtomicReference<JoinMessages.Request> received = new AtomicReference<>();
    JoinServer server;

    JoinServer start(ClusterCa issuer, ClusterCa shown) throws Exception {
        KeyPair kp = HostKeys.ecdsa();
        var cert = issuer.issue(HostCertificateRequest.tls("h1", kp.getPublic(), List.of(InetAddress.getLoopbackAddress())));
        server = new JoinServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), kp.getPrivate(), cert, shown.certificate(),
                (req, from) -> {
                    received.set(req);
                    return JoinMessages.Response.failure("stub saw host " + req.host());
                });
        server.start();
        return server;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    JoinMessages.Request request(JoinToken t) {
        return new JoinMessages.Request(t.secret(), "h2", "127.0.0.1", "", 3, null);
    }

    @Test
    void send_caMatchesToken_requestDelivered() throws Exception {
        start(ca, ca);
        JoinToken t = JoinToken.generate(ca.digest());
        JoinMessages.Response r = JoinClient.send(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()), t, request(t));
        assertThat(r.error()).isEqualTo("stub saw host h2");
        assertThat(received.get().secret()).isEqualTo(t.secret());
    }

    @Test
    void send_caDigestMismatch_refusedBeforeSendingAnything() throws Exception {
        start(ca, ca);
        JoinToken other = JoinToken.generate(ClusterCa.create("other", Clock.systemUTC()).digest());
        assertThatThrownBy(() -> JoinClient.send(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()), other,
                request(other)))
                .isInstanceOf(CrossnetException.class).hasMessageContaining("digest does not match").hasMessageContaining("nothing was sent");
        assertThat(received.get()).isNull();
    }

    @Test
    void send_rightCaButServerCertFromAnotherCa_refused() throws Exception {
        ClusterCa rogue = ClusterCa.create("test", Clock.systemUTC()); // same name: only the signature tells them apart
        start(rogue, ca); // shows our CA, but its own certificate is the rogue's
        JoinToken t = JoinToken.generate(ca.digest());
        assertThatThrownBy(() -> JoinClient.send(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()), t, request(t)))
                .hasMessageContaining("did not sign");
        assertThat(received.get()).isNull();
    }

    @Test
    void send_nothingListening_clearError() throws Exception {
        start(ca, ca);
        int port = server.port();
        server.close();
        JoinToken t = JoinToken.generate(ca.digest());
        assertThatThrownBy(() -> JoinClient.send(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), t, request(t)))
                .hasMessageContaining("cannot reach the join endpoint at 127.0.0.1:" + port);
    }

    @Test
    void endpoint_badForms_nameTheArgument() {
        assertThatThrownBy(() -> ClusterJoin.endpoint("10.0.0.1")).hasMessageStartingWith("IP:PORT: ");
        assertThatThrownBy(() -> ClusterJoin.endpoint("10.0.0.1:x")).hasMessageContaining("no valid port");
        assertThatThrownBy(() -> ClusterJoin.endpoint("host.example:2377")).hasMessageContaining("not an IP address");
        assertThat(ClusterJoin.endpoint("10.0.0.1:2377").getPort()).isEqualTo(2377);
    }
}

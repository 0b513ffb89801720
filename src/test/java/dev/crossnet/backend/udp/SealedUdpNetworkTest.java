package dev.crossnet.backend.udp;

import static dev.crossnet.backend.TestPeers.config;
import static dev.crossnet.backend.TestPeers.host;
import static dev.crossnet.backend.TestPeers.stored;
import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.kernel.RecordingKernel;
import dev.crossnet.model.Lease;
import dev.crossnet.pki.ClusterCa;
import dev.crossnet.pki.HostCertificateRequest;
import dev.crossnet.seal.Limits;
import dev.crossnet.seal.SealClock;
import dev.crossnet.seal.X25519;
import dev.crossnet.seal.X509Certificates;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An encrypted udp network's control side: it publishes its certificate and builds a tunnel per peer that has a valid one. */
class SealedUdpNetworkTest {
    final ClusterCa ca = ClusterCa.create("test CA", Clock.systemUTC());
    final PrometheusRegistry registry = new PrometheusRegistry();
    final byte[] ownCert;
    final UdpNetwork network;

    SealedUdpNetworkTest() throws Exception {
        byte[] key = X25519.generatePrivate();
        ownCert = cert(ca, "self", key);
        Sealer sealer = new Sealer(key, ownCert, X509Certificates.trusting(ca.certificate().getEncoded()), Limits.DEFAULT,
                SealClock.SYSTEM, registry);
        DatapathIo never = () -> {
            throw new IllegalStateException("not started in this test");
        };
        network = new UdpNetwork(new RecordingKernel(), host(Path.of("/nonexistent")), config("{\"Type\":\"udp\",\"Encrypt\":true}"),
                1440, 1, never, new UdpMetrics(registry), Clock.systemUTC(), sealer, ownCert);
    }

    static byte[] cert(ClusterCa ca, String host, byte[] privateKey) throws Exception {
        return ca.issue(HostCertificateRequest.x25519(host, X25519.publicKey(privateKey), List.of(), List.of("10.5.0.0/16")))
                .getEncoded();
    }

    static Lease lease(String subnet, String publicIp, byte[] cert) {
        String data = cert == null ? "" : ",\"BackendData\":{\"Certificate\":\"" + Base64.getEncoder().encodeToString(cert) + "\"}";
        return stored(subnet, "{\"PublicIP\":\"" + publicIp + "\",\"BackendType\":\"udp\"" + data + "}");
    }

    private Peer peer(String inner) {
        return network.table().lookup(Packets.ip(inner));
    }

    @Test
    void backendData_publishesOwnCertificate() {
        assertThat(Base64.getDecoder().decode(network.backendData().path("Certificate").asText())).isEqualTo(ownCert);
    }

    @Test
    void reconcile_peersWithoutValidCertificate_routedButWithoutTunnel() throws Exception {
        ClusterCa foreign = ClusterCa.create("foreign CA", Clock.systemUTC());
        network.reconcile(List.of(
                lease("10.5.2.0/24", "192.168.9.3", cert(ca, "good", X25519.generatePrivate())),
                lease("10.5.3.0/24", "192.168.9.4", null),
                lease("10.5.4.0/24", "192.168.9.5", cert(foreign, "stranger", X25519.generatePrivate()))));

        assertThat(peer("10.5.2.1").tunnel).isNotNull();
        assertThat(peer("10.5.2.1").tunnel.identity().hostName()).isEqualTo("good");
        assertThat(peer("10.5.3.1").tunnel).as("no certificate").isNull();
        assertThat(peer("10.5.4.1").tunnel).as("certificate of another CA").isNull();
    }

    @Test
    void reconcile_sameCertificateAgain_keepsTheTunnelAndItsKeys_newOneReplacesIt() throws Exception {
        byte[] c = cert(ca, "good", X25519.generatePrivate());
        network.reconcile(List.of(lease("10.5.2.0/24", "192.168.9.3", c)));
        var first = peer("10.5.2.1").tunnel;
        network.reconcile(List.of(lease("10.5.2.0/24", "192.168.9.3", c)));
        assertThat(peer("10.5.2.1").tunnel).isSameAs(first);

        network.reconcile(List.of(lease("10.5.2.0/24", "192.168.9.3", cert(ca, "good", X25519.generatePrivate()))));
        assertThat(peer("10.5.2.1").tunnel).isNotSameAs(first).isNotNull();
    }

    /**
     * Issue 12, switching a network from plain to encrypted: an agent that started plain keeps its
     * config until restarted; meanwhile a peer that already runs encrypted (it publishes a seal
     * certificate) must get nothing in clear from it, so it gets no route at all.
     */
    @Test
    void plainNetwork_peerThatRunsEncrypted_getsNoRoute_plainPeersStillDo() throws Exception {
        DatapathIo never = () -> {
            throw new IllegalStateException("not started in this test");
        };
        UdpNetwork plain = new UdpNetwork(new RecordingKernel(), host(Path.of("/nonexistent")), config("{\"Type\":\"udp\"}"),
                1472, 1, never, new UdpMetrics(registry), Clock.systemUTC());
        plain.reconcile(List.of(
                lease("10.5.2.0/24", "192.168.9.3", cert(ca, "switched", X25519.generatePrivate())),
                lease("10.5.3.0/24", "192.168.9.4", null)));

        assertThat(plain.table().lookup(Packets.ip("10.5.2.1"))).as("runs encrypted: nothing in clear to it").isNull();
        assertThat(plain.table().lookup(Packets.ip("10.5.3.1"))).as("runs plain, as this host does").isNotNull();
    }
}

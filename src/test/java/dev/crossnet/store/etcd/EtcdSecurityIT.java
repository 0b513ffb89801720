package dev.crossnet.store.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crossnet.store.StoreException;
import dev.crossnet.store.StoreSpec;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * TLS with client certificates, and etcd's user/password auth, against real etcd processes: the
 * right settings work, and each wrong one fails on its first attempt (not retried like an outage,
 * whose message counts the attempts) with a message that says what is wrong. Each attempt may take
 * up to {@link #TIMEOUT}, generous so that a busy machine never turns a handshake into a timeout.
 */
@Tag("integration")
class EtcdSecurityIT {
    static final Duration TIMEOUT = Duration.ofSeconds(30);
    static Path certDir;
    static TestCerts certs;
    static EtcdTestCluster tls;
    static EtcdTestCluster auth;

    @BeforeAll
    static void start() throws Exception {
        certDir = Files.createTempDirectory("crossnet-certs-");
        certs = TestCerts.generate(certDir);
        tls = EtcdTestCluster.start("tls", "https", b -> b
                .tls(certs.ca(), certs.serverCert(), certs.serverKey())
                .healthCheckClientCert(certs.clientCert(), certs.clientKey()));
        auth = EtcdTestCluster.start("auth");
        try (Client c = auth.rawClient()) {
            ByteSequence root = bytes("root");
            c.getAuthClient().userAdd(root, bytes("s3cret")).get(10, TimeUnit.SECONDS);
            c.getAuthClient().roleAdd(root).get(10, TimeUnit.SECONDS);
            c.getAuthClient().userGrantRole(root, root).get(10, TimeUnit.SECONDS);
            c.getAuthClient().authEnable().get(10, TimeUnit.SECONDS);
        }
    }

    @AfterAll
    static void stop() {
        try {
            if (tls != null) {
                tls.close();
            }
        } finally {
            try {
                if (auth != null) {
                    auth.close();
                }
            } finally {
                if (certDir != null) {
                    EtcdLauncher.deleteTree(certDir);
                }
            }
        }
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private static StoreSpec tlsSpec() {
        return StoreSpec.parse("--store", "etcds://127.0.0.1:" + tls.clientPort, TIMEOUT);
    }

    @Test
    void tls_withCaAndClientCert_works() {
        try (EtcdStore s = EtcdStore.connect(tlsSpec().withTls(certs.ca(), certs.clientCert(), certs.clientKey()))) {
            long rev = s.put("/tls/k", "v", null);
            assertThat(s.get("/tls/k").orElseThrow().modRevision()).isEqualTo(rev);
        }
    }

    @Test
    void tls_withoutClientCert_failsNamingTls() {
        try (EtcdStore s = EtcdStore.connect(tlsSpec().withTls(certs.ca(), null, null))) {
            assertThatThrownBy(() -> s.get("/tls/k"))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("https://127.0.0.1:" + tls.clientPort)
                    .hasMessageContaining("TLS")
                    .hasMessageNotContaining("attempts")
                    .satisfies(e -> System.out.println("TLS failure reads: " + e.getMessage()));
        }
    }

    @Test
    void tls_withoutCa_serverCertUntrusted_failsNamingTls() {
        try (EtcdStore s = EtcdStore.connect(tlsSpec().withTls(null, certs.clientCert(), certs.clientKey()))) {
            assertThatThrownBy(() -> s.get("/tls/k"))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("https://127.0.0.1:" + tls.clientPort)
                    .hasMessageContaining("TLS")
                    .hasMessageNotContaining("attempts")
                    .satisfies(e -> System.out.println("TLS failure reads: " + e.getMessage()));
        }
    }

    @Test
    void tls_unreadableKey_failsAtConnectNamingTheFile() throws Exception {
        Path bad = certDir.resolve("garbage.key");
        Files.writeString(bad, "not a key");
        assertThatThrownBy(() -> EtcdStore.connect(tlsSpec().withTls(certs.ca(), certs.clientCert(), bad)))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(bad.toString());
    }

    @Test
    void auth_rightPassword_works() {
        try (EtcdStore s = EtcdStore.connect(auth.spec().withAuth("root", "s3cret"))) {
            s.put("/auth/k", "v", Duration.ofSeconds(30));
            assertThat(s.get("/auth/k").orElseThrow().value()).isEqualTo("v");
        }
    }

    @Test
    void auth_wrongPassword_failsWithoutRetryNamingUserAndEndpoint() {
        try (EtcdStore s = EtcdStore.connect(auth.spec().withAuth("root", "wrong"))) {
            // Not retried like an outage: a retried failure ends "cannot reach etcd … after N attempts".
            assertThatThrownBy(() -> s.get("/auth/k"))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("rejected user \"root\"")
                    .hasMessageContaining("http://127.0.0.1:" + auth.clientPort)
                    .hasMessageNotContaining("cannot reach")
                    .hasMessageNotContaining("attempts")
                    .satisfies(e -> System.out.println("auth failure reads: " + e.getMessage()));
        }
    }

    @Test
    void auth_noCredentials_failsSayingSo() {
        try (EtcdStore s = EtcdStore.connect(auth.spec())) {
            assertThatThrownBy(() -> s.put("/auth/k", "v", null))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("http://127.0.0.1:" + auth.clientPort)
                    .hasMessageContaining("without credentials");
        }
    }

    /**
     * A refused connection is transient: retried, then reported with the endpoint, the attempts and
     * the cause. The timeout is generous so that every attempt fits in the call's budget (2.5
     * timeouts) however slow the machine; how long the attempts take is not checked here.
     */
    @Test
    void unreachable_closedPort_retriedThenFailsNamingEndpointAndCause() {
        // Not on 127.0.0.1, where the other integration classes, running at the same time, start
        // etcds on free ports (this one among them, maybe, by the time it is dialled): nothing
        // listens on a random address of 127/8 unless it listens on all of them.
        ThreadLocalRandom r = ThreadLocalRandom.current();
        String endpoint = "127." + r.nextInt(1, 255) + "." + r.nextInt(256) + "." + r.nextInt(1, 255) + ":"
                + EtcdLauncher.freeLoopbackPorts(1)[0];
        StoreSpec spec = new StoreSpec(null, List.of(java.net.URI.create("http://" + endpoint)),
                null, null, null, null, null, TIMEOUT);
        try (EtcdStore s = EtcdStore.connect(spec)) {
            assertThatThrownBy(() -> s.get("/k"))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("cannot reach etcd at http://" + endpoint + " after "
                            + EtcdConnection.ATTEMPTS + " attempts")
                    .hasMessageContaining("connection refused");
        }
    }
}

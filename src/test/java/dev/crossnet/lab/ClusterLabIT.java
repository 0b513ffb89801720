package dev.crossnet.lab;

import static dev.crossnet.lab.LabAgentIT.awaitPing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crossnet.lab.LabOptions.StoreKind;
import dev.crossnet.pki.ClusterCa;
import dev.crossnet.pki.HostCertificateRequest;
import dev.crossnet.pki.HostKeys;
import dev.crossnet.pki.Pem;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Real hosts in the lab: {@code lab up --store cluster} runs {@code crossnet init} on h1 and {@code
 * crossnet join} on h2 and h3, each etcd member on its host's underlay address with mutual TLS.
 * One lab for the whole class (the tests run in order; the last one adds h4). Needs root.
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterLabIT {
    static final Duration LIMIT = Duration.ofSeconds(120);
    static Path stateRoot;
    static Lab lab;
    static long started;

    @BeforeAll
    static void up() throws IOException {
        started = System.nanoTime();
        // A state root of our own: nothing another test does to the default one can touch this lab.
        stateRoot = Files.createTempDirectory("crossnet-cluster-it-");
        String name = "cnc" + UUID.randomUUID().toString().replace("-", "").substring(0, 6);
        try {
            lab = Lab.up(LabOptions.defaults().withName(name).withStateRoot(stateRoot).withHosts(3).withContainersPerHost(1)
                    .withStore(StoreKind.CLUSTER).withProgress(l -> System.out.println("  " + l)));
        } catch (RuntimeException e) {
            Lab.down(name, stateRoot);
            throw e;
        }
        System.out.printf("cluster lab of 3 hosts up in %.1f s (information only)%n", (System.nanoTime() - started) / 1e9);
    }

    @AfterAll
    static void down() throws IOException {
        if (lab != null) {
            System.out.println(Lab.down(lab.name(), stateRoot));
        }
        Files.deleteIfExists(stateRoot);
        System.out.printf("ClusterLabIT took %.1f s (information only)%n", (System.nanoTime() - started) / 1e9);
    }

    static Lab.ExecResult crossnet(String host, String... args) {
        List<String> cmd = new ArrayList<>(Processes.crossnetCommand());
        cmd.addAll(List.of(args));
        return lab.exec(host, LIMIT, cmd.toArray(new String[0]));
    }

    static Path config(String host) {
        return LabCluster.configDir(lab.dir(), host);
    }

    /** etcdctl in {@code host}'s namespace against {@code endpoint}, with the given TLS flags. */
    static Lab.ExecResult etcdctl(String host, String endpoint, List<String> tls, String... args) {
        List<String> cmd = new ArrayList<>(List.of("env", "ETCDCTL_API=3", "etcdctl", "--endpoints", endpoint, "--dial-timeout", "3s",
                "--command-timeout", "5s"));
        cmd.addAll(tls);
        cmd.addAll(List.of(args));
        return lab.exec(host, LIMIT, cmd.toArray(new String[0]));
    }

    static List<String> hostTls(String host) {
        Path c = config(host);
        return List.of("--cacert", c.resolve("ca.crt").toString(), "--cert", c.resolve("host.crt").toString(),
                "--key", c.resolve("host.key").toString());
    }

    @Test
    @Order(1)
    void threeHosts_everyContainerPingsEveryOther_nodeLsOnEachHostListsAll_threeVoters() {
        for (String from : List.of("h1-c1", "h2-c1", "h3-c1")) {
            for (String to : List.of("h1-c1", "h2-c1", "h3-c1")) {
                if (!from.equals(to)) {
                    awaitPing(lab, from, to);
                }
            }
        }
        for (String h : List.of("h1", "h2", "h3")) {
            Lab.ExecResult ls = crossnet(h, "node", "ls");
            assertThat(ls.exit()).as(ls.err()).isZero();
            for (String peer : List.of("h1", "h2", "h3")) {
                assertThat(ls.out()).as("node ls on %s", h).containsPattern(peer + "\\s+" + lab.host(peer).underlayIp().replace(".", "\\.")
                        + "\\s+" + lab.host(peer).subnet().replace(".", "\\.") + "\\s+voter\\s+yes");
            }
        }
        Lab.ExecResult members = etcdctl("h2", "https://" + lab.host("h2").underlayIp() + ":2379", hostTls("h2"), "member", "list");
        assertThat(members.exit()).as(members.err()).isZero();
        assertThat(members.out().lines().filter(l -> l.contains("started")).toList()).hasSize(3)
                .allSatisfy(l -> assertThat(l).endsWith("false")); // the last column: isLearner
    }

    @Test
    @Order(2)
    void etcd_refusesPlaintextClients_clientsWithoutCertificates_andCertificatesOfAnotherCa(@org.junit.jupiter.api.io.TempDir Path tmp)
            throws Exception {
        String ip = lab.host("h1").underlayIp();
        String https = "https://" + ip + ":2379";
        Path ca = config("h1").resolve("ca.crt");
        assertThat(etcdctl("h2", https, hostTls("h2"), "get", "--prefix", "/crossnet/cluster/nodes/", "--keys-only").out())
                .as("a host's own certificate works").contains("/crossnet/cluster/nodes/h1");
        assertThat(etcdctl("h2", "http://" + ip + ":2379", List.of(), "get", "x").exit()).as("plaintext").isNotZero();
        assertThat(etcdctl("h2", https, List.of("--cacert", ca.toString()), "get", "x").exit()).as("no client certificate").isNotZero();
        ClusterCa rogue = ClusterCa.create("rogue", Clock.systemUTC());
        KeyPair kp = HostKeys.ecdsa();
        Files.writeString(tmp.resolve("r.crt"), Pem.certificate(rogue.issue(HostCertificateRequest.tls("h2", kp.getPublic(),
                List.of(InetAddress.getByName(lab.host("h2").underlayIp()))))));
        Files.writeString(tmp.resolve("r.key"), Pem.privateKey(kp.getPrivate()));
        assertThat(etcdctl("h2", https, List.of("--cacert", ca.toString(), "--cert", tmp.resolve("r.crt").toString(), "--key",
                tmp.resolve("r.key").toString()), "get", "x").exit()).as("a certificate of another CA").isNotZero();
        assertThat(etcdctl("h2", "https://" + ip + ":2380", List.of("--cacert", ca.toString(), "--cert", tmp.resolve("r.crt").toString(),
                "--key", tmp.resolve("r.key").toString()), "get", "x").exit()).as("the peer port, another CA").isNotZero();
    }
}

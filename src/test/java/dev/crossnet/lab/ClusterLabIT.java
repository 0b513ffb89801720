package dev.crossnet.lab;

import static dev.crossnet.lab.LabAgentIT.awaitPing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crossnet.SelfCommand;
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
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
 * One lab for the whole class (the tests run in order; the last one adds h4). Checks that do not
 * depend on each other, most of them waiting on a refusal or a JVM start, run at once. Needs root.
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
        List<String> cmd = new ArrayList<>(SelfCommand.argv());
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

    /**
     * Runs independent {@code checks} at once, each in a thread of its own, and returns when all
     * have; the first failure (in the order given) is rethrown as it was.
     */
    @SafeVarargs
    static void atOnce(Callable<Object>... checks) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(checks.length);
        try {
            for (Future<Object> f : pool.invokeAll(List.of(checks))) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof Error err) {
                        throw err;
                    }
                    if (e.getCause() instanceof Exception ex) {
                        throw ex;
                    }
                    throw e;
                }
            }
        } finally {
            pool.shutdownNow();
        }
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
                        + "\\s+" + lab.host(peer).subnet().replace(".", "\\.") + "\\s+ready since \\S+\\s+voter\\s+yes");
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
        ClusterCa rogue = ClusterCa.create("rogue", Clock.systemUTC());
        KeyPair kp = HostKeys.ecdsa();
        Files.writeString(tmp.resolve("r.crt"), Pem.certificate(rogue.issue(HostCertificateRequest.tls("h2", kp.getPublic(),
                List.of(InetAddress.getByName(lab.host("h2").underlayIp()))))));
        Files.writeString(tmp.resolve("r.key"), Pem.privateKey(kp.getPrivate()));
        List<String> rogueTls = List.of("--cacert", ca.toString(), "--cert", tmp.resolve("r.crt").toString(), "--key",
                tmp.resolve("r.key").toString());
        // Each refusal takes etcdctl's dial or command timeout: the five run at once.
        atOnce(
                () -> assertThat(etcdctl("h2", https, hostTls("h2"), "get", "--prefix", "/crossnet/cluster/nodes/", "--keys-only").out())
                        .as("a host's own certificate works").contains("/crossnet/cluster/nodes/h1"),
                () -> assertThat(etcdctl("h2", "http://" + ip + ":2379", List.of(), "get", "x").exit()).as("plaintext").isNotZero(),
                () -> assertThat(etcdctl("h2", https, List.of("--cacert", ca.toString()), "get", "x").exit()).as("no client certificate")
                        .isNotZero(),
                () -> assertThat(etcdctl("h2", https, rogueTls, "get", "x").exit()).as("a certificate of another CA").isNotZero(),
                () -> assertThat(etcdctl("h2", "https://" + ip + ":2380", rogueTls, "get", "x").exit()).as("the peer port, another CA")
                        .isNotZero());
    }

    /** A join from h2 into a config directory of its own, expected to fail: returns stderr. */
    static String failedJoin(Path dir, String token, String endpoint) throws IOException {
        Path tokenFile = dir.resolveSibling(dir.getFileName() + "-token");
        Files.writeString(tokenFile, token);
        Lab.ExecResult r = crossnet("h2", "join", "--config-dir", dir.toString(), "--token-file", tokenFile.toString(),
                "--advertise-addr", lab.host("h2").underlayIp(), "--host-name", "probe", "--no-agent", endpoint);
        Files.delete(tokenFile);
        assertThat(r.exit()).as("join must fail: " + r.out()).isEqualTo(1);
        assertThat(Files.exists(dir)).as("nothing written to " + dir).isFalse();
        assertThat(Processes.findByCommandLine(dir.toString())).as("no process left for " + dir).isEmpty();
        assertThat(r.err().strip().lines().count()).as("one line: " + r.err()).isEqualTo(1);
        return r.err();
    }

    static String token() {
        Lab.ExecResult r = crossnet("h1", "join-token", "--quiet");
        assertThat(r.exit()).as(r.err()).isZero();
        return r.out().strip();
    }

    @Test
    @Order(3)
    void badTokens_secondInit_nothingListening_oneClearErrorEach_nothingLeftBehind() throws Exception {
        long t0 = System.nanoTime();
        Path probe = lab.dir().resolve("probe");
        String good = token();
        String endpoint = lab.host("h1").underlayIp() + ":2377";

        // These four do not change the cluster: they run at once, each into a directory of its own.
        String otherCa = "CNT1-" + ClusterCa.create("x", Clock.systemUTC()).digest() + good.substring(good.lastIndexOf('-'));
        String wrongSecret = good.substring(0, good.lastIndexOf('-') + 1) + "0".repeat(25);
        atOnce(
                () -> assertThat(failedJoin(lab.dir().resolve("probe-malformed"), good.substring(0, good.length() - 4), endpoint))
                        .contains("--token: malformed"),
                () -> assertThat(failedJoin(lab.dir().resolve("probe-other-ca"), otherCa, endpoint))
                        .contains("digest does not match").contains("nothing was sent"),
                () -> assertThat(failedJoin(lab.dir().resolve("probe-wrong-secret"), wrongSecret, endpoint))
                        .contains("refused this host").contains("not this cluster's current one"),
                () -> assertThat(failedJoin(lab.dir().resolve("probe-no-endpoint"), good, lab.host("h1").underlayIp() + ":2399"))
                        .contains("cannot reach the join endpoint"));

        Lab.ExecResult rotated = crossnet("h1", "join-token", "--rotate");
        assertThat(rotated.exit()).as(rotated.err()).isZero();
        assertThat(failedJoin(probe, good, endpoint)).contains("rotated token");

        assertThat(crossnet("h1", "join-token", "--rotate", "--ttl", "1ms").exit()).isZero();
        String expiring = token();
        assertThat(failedJoin(probe, expiring, endpoint)).contains("expired at");
        assertThat(crossnet("h1", "join-token", "--rotate").exit()).isZero();

        Path h1 = config("h1");
        String before = Files.readString(h1.resolve("cluster.json"));
        List<Long> processesBefore = Processes.findByCommandLine(h1.toString());
        Lab.ExecResult again = crossnet("h1", "init", "--config-dir", h1.toString(), "--advertise-addr", lab.host("h1").underlayIp(),
                "--host-name", "h1", "--no-agent");
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err()).contains("already part of a cluster").contains("crossnet leave");
        assertThat(Files.readString(h1.resolve("cluster.json"))).isEqualTo(before);
        assertThat(Processes.findByCommandLine(h1.toString())).containsExactlyInAnyOrderElementsOf(processesBefore);

        Lab.ExecResult nodes = crossnet("h3", "node", "ls");
        assertThat(nodes.out()).doesNotContain("probe");
        System.out.printf("bad-input checks took %.1f s (information only)%n", (System.nanoTime() - t0) / 1e9);
    }

    @Test
    @Order(4)
    void h1EtcdStopped_clusterKeepsWorking_aHostJoins_aNetworkIsCreated_thenH1Rejoins() throws IOException {
        long t0 = System.nanoTime();
        // h2's agent started right after h2 joined, before h3 joined (h1 the only voter then, or h1 and h2 if h2's
        // promotion came first): it must have learnt the others since.
        Path h2Log = Agents.log(lab.dir(), "h2");
        String h1Url = "https://" + lab.host("h1").underlayIp() + ":2379";
        await("h2's agent follows the etcd membership").atMost(LIMIT).pollInterval(Duration.ofMillis(500))
                .until(() -> Files.readString(h2Log).lines().filter(l -> l.contains("etcd endpoints now "))
                        .map(l -> java.util.Set.of(l.substring(l.indexOf("now ") + 4, l.indexOf(" (")).split(",")))
                        .anyMatch(now -> now.equals(java.util.Set.of(h1Url, "https://" + lab.host("h2").underlayIp() + ":2379",
                                "https://" + lab.host("h3").underlayIp() + ":2379"))));
        String h3Url = "https://" + lab.host("h3").underlayIp() + ":2379";
        String first = Files.readString(h2Log).lines().filter(l -> l.contains("etcd endpoints now ")).findFirst().orElseThrow();
        assertThat(first.substring(first.indexOf("were ") + 5)).as("it started knowing h1, not h3: " + first)
                .contains(h1Url).doesNotContain(h3Url);
        Lab.ExecResult stop = crossnet("h1", "service", "stop", "etcd");
        assertThat(stop.exit()).as(stop.err()).isZero();
        assertThat(crossnet("h1", "service", "status", "etcd").exit()).isEqualTo(3);

        assertThat(lab.addHost()).isEqualTo("h4");
        awaitPing(lab, "h4-c1", "h2-c1");
        awaitPing(lab, "h1-c1", "h4-c1");
        Lab.ExecResult net = crossnet("h3", "network", "create", "while-h1-down", "--subnet", "192.168.77.0/24");
        assertThat(net.exit()).as(net.err()).isZero();
        assertThat(crossnet("h4", "network", "ls").out()).contains("while-h1-down");
        Lab.ExecResult ls = crossnet("h2", "node", "ls");
        assertThat(ls.out()).containsPattern("h1\\s+\\S+\\s+\\S+\\s+ready since \\S+\\s+voter\\s+no")
                .containsPattern("h4\\s+\\S+\\s+\\S+\\s+ready since \\S+\\s+client");

        Lab.ExecResult start = crossnet("h1", "service", "start", "etcd");
        assertThat(start.exit()).as(start.err()).isZero();
        String h1 = "https://" + lab.host("h1").underlayIp() + ":2379";
        // A serializable read is answered from h1's own copy: it shows that h1 caught up with what it missed.
        await("h1's member has caught up").atMost(LIMIT).pollInterval(Duration.ofMillis(500))
                .until(() -> etcdctl("h1", h1, hostTls("h1"), "get", "--consistency=s", "--prefix", "/crossnet/cluster/nodes/h4",
                        "--keys-only").out().contains("/crossnet/cluster/nodes/h4"));
        assertThat(etcdctl("h1", h1, hostTls("h1"), "endpoint", "health").exit()).isZero();
        System.out.printf("h1 down, join, network, h1 back took %.1f s (information only)%n", (System.nanoTime() - t0) / 1e9);
    }

    @Test
    @Order(5)
    void nodeRmOfAVoter_wouldLeaveTwoVoters_refusedWithOneClearError_nothingRemoved() {
        Lab.ExecResult rm = crossnet("h2", "node", "rm", "h3");
        assertThat(rm.exit()).as(rm.out()).isEqualTo(1);
        assertThat(rm.err().strip().lines().count()).as("one line: " + rm.err()).isEqualTo(1);
        assertThat(rm.err()).contains("h3's etcd member is one of 3 etcd voters").contains("--etcd-members 5").contains("--force");
        assertThat(crossnet("h2", "node", "ls").out()).containsPattern("h3\\s+\\S+\\s+\\S+\\s+ready since \\S+\\s+voter");
        Lab.ExecResult members = etcdctl("h2", "https://" + lab.host("h2").underlayIp() + ":2379", hostTls("h2"), "member", "list");
        assertThat(members.out().lines().filter(l -> l.contains("started")).toList()).hasSize(3);
    }

    @Test
    @Order(6)
    void clientHostLeaves_itsRecordAndFilesAreGone_andNodeRmRefusesUnknownHosts() {
        lab.stopAgent("h4");
        Lab.ExecResult leave = crossnet("h4", "leave");
        assertThat(leave.exit()).as(leave.err()).isZero();
        assertThat(Files.exists(config("h4").resolve("cluster.json"))).isFalse();
        assertThat(Files.exists(config("h4").resolve("host.key"))).isFalse();
        assertThat(crossnet("h2", "node", "ls").out()).doesNotContain("h4 ");
        Lab.ExecResult rm = crossnet("h2", "node", "rm", "nosuchhost");
        assertThat(rm.exit()).isEqualTo(1);
        assertThat(rm.err()).contains("no host nosuchhost");
    }
}

package dev.crossnet.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crossnet.bench.Iperf;
import dev.crossnet.cli.Main;
import dev.crossnet.lab.LabOptions.StoreKind;
import dev.crossnet.lab.LabState.ContainerState;
import dev.crossnet.model.BackendConfig.Type;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 3's data plane through the whole lab: real agents, real kernel, both stores (SQLite and a
 * real etcd on the underlay). Each test runs for both backends and both stores; the agent-restart
 * test, which costs a long stream, for two representative pairs. Join and leave are in
 * {@link LabMembershipIT}. Needs root.
 */
@Tag("integration")
class LabAgentIT {
    static final Duration CONVERGE = Duration.ofSeconds(30);

    @RegisterExtension
    final LabExtension labs = new LabExtension();

    static Stream<Arguments> everyBackendAndStore() {
        return Stream.of(Type.VXLAN, Type.HOST_GW).flatMap(b -> Stream.of(StoreKind.EMBEDDED, StoreKind.ETCD).map(s -> Arguments.of(b, s)));
    }

    static Stream<Arguments> restartPairs() {
        return Stream.of(Arguments.of(Type.VXLAN, StoreKind.ETCD), Arguments.of(Type.HOST_GW, StoreKind.EMBEDDED));
    }

    static boolean ping(Lab lab, String from, String ip) {
        return lab.exec(from, Duration.ofSeconds(10), "busybox", "ping", "-c1", "-W1", ip).exit() == 0;
    }

    /** Peers learn of each other through the store's watch, so a pair may need a moment after up. */
    static void awaitPing(Lab lab, String from, String to) {
        String ip = lab.ip(to);
        await(from + " -> " + to + " (" + ip + ")").atMost(CONVERGE).pollInterval(Duration.ofMillis(200))
                .until(() -> ping(lab, from, ip));
    }

    private static List<ContainerState> containers(Lab lab) {
        return lab.state().hosts().stream().flatMap(h -> h.containers().stream()).toList();
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("everyBackendAndStore")
    void up3x2_everyContainerReachesEveryOther_tcpArrivesWhole_andATamperedRouteComesBack(Type backend, StoreKind store,
            @TempDir Path tmp) throws Exception {
        Path payload = tmp.resolve("payload");
        LabOptions o = labs.options().withHosts(3).withContainersPerHost(2).withBackend(backend).withStore(store);
        Lab lab = labs.track(Lab.up(o));
        List<ContainerState> all = containers(lab);
        assertThat(all).extracting(ContainerState::name).containsExactly("h1-c1", "h1-c2", "h2-c1", "h2-c2", "h3-c1", "h3-c2");
        assertThat(lab.state().hosts()).extracting(LabState.HostState::subnet).doesNotContainNull().doesNotHaveDuplicates();
        assertThat(lab.state().store()).startsWith(store == StoreKind.ETCD ? "etcd://172.30.0.1:" : "file:");
        for (ContainerState from : all) {
            for (ContainerState to : all) {
                if (from != to) {
                    awaitPing(lab, from.name(), to.name());
                }
            }
        }

        int mtu = backend == Type.VXLAN ? 1450 : 1500; // vxlan: 1500 - 50 (14 eth + 20 IP + 8 UDP + 8 VXLAN)
        assertThat(lab.state().hosts()).allSatisfy(h -> assertThat(h.mtu()).isEqualTo(mtu));
        assertThat(lab.exec("h2-c1", "ip", "-o", "link", "show", "eth0").out()).contains("mtu " + mtu);
        if (backend == Type.VXLAN) {
            String to = lab.ip("h3-c1");
            // iputils ping: the largest DF payload is 1450 - 20 IP - 8 ICMP = 1422; one more byte is refused locally.
            assertThat(lab.exec("h1-c1", "ping", "-M", "do", "-c1", "-W2", "-s", "1422", to).exit()).as("DF 1422").isZero();
            Lab.ExecResult big = lab.exec("h1-c1", "ping", "-M", "do", "-c1", "-W2", "-s", "1423", to);
            assertThat(big.exit()).as("DF 1423").isNotZero();
            assertThat(big.out() + big.err()).contains("message too long, mtu=1450");
        }

        // A TCP transfer between hosts: 8 MiB of random bytes arrive whole (same length, same SHA-256).
        byte[] data = new byte[8 << 20];
        new Random(42).nextBytes(data);
        Files.write(payload, data);
        assertThat(tcpTransfer(lab, "h1-c1", "h3-c2", payload)).isEqualTo(sha256(data));

        // Tamper: delete h2's route to h1's subnet; the reconcile loop (resync 5 s) puts it back.
        String h1Subnet = lab.host("h1").subnet();
        Lab.ExecResult del = lab.exec("h2", "ip", "route", "del", h1Subnet);
        assertThat(del.exit()).as("ip route del " + h1Subnet + ": " + del.err()).isZero();
        await("route to " + h1Subnet + " restored on h2").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
                .until(() -> !lab.exec("h2", "ip", "route", "show", h1Subnet).out().isBlank());
        awaitPing(lab, "h2-c2", "h1-c2");

        // lab exec passes the command's exit code through: 1 for an address nobody has.
        assertThat(Main.run("lab", "exec", "--name", o.name(), "h1-c1", "--", "busybox", "ping", "-c1", "-W1", "10.5.255.254"))
                .isEqualTo(1);
    }

    /**
     * Sends {@code file} from container {@code from} to {@code to} over one TCP connection (bash's
     * {@code /dev/tcp} to {@code busybox nc -l}) and returns the SHA-256 of what arrived, with its length.
     */
    private static String tcpTransfer(Lab lab, String from, String to, Path file) throws Exception {
        Process server = lab.spawn(to, "busybox", "nc", "-l", "-p", "5001");
        try {
            await("nc listening in " + to).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                    .until(() -> lab.exec(to, "ss", "-Hltn", "sport = :5001").out().contains(":5001"));
            var received = CompletableFuture.supplyAsync(() -> {
                try (var in = server.getInputStream()) {
                    return sha256(in.readAllBytes());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            Lab.ExecResult sent = lab.exec(from, "bash", "-c", "cat " + file + " > /dev/tcp/" + lab.ip(to) + "/5001");
            assertThat(sent.exit()).as("sender: " + sent.err()).isZero();
            assertThat(server.waitFor(30, TimeUnit.SECONDS)).as("receiver saw the end of the stream").isTrue();
            return received.get(30, TimeUnit.SECONDS);
        } finally {
            server.destroyForcibly();
        }
    }

    private static String sha256(byte[] b) {
        try {
            return b.length + " bytes, sha256 " + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("restartPairs")
    void agentRestartsDuringATcpStream_theStreamNeverStalls_andTheSubnetStays(Type backend, StoreKind store) {
        Lab lab = labs.track(Lab.up(labs.options().withHosts(2).withContainersPerHost(1).withBackend(backend).withStore(store)));
        awaitPing(lab, "h1-c1", "h2-c1");
        String subnet = lab.host("h2").subnet();

        Iperf.Session stream = Iperf.start(lab, "h2-c1", "h1-c1", lab.ip("h2-c1"), List.of("-t", "14"), Duration.ofSeconds(40));
        await("stream established").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> lab.exec("h2-c1", "ss", "-Htn", "state", "established").out().lines().count() >= 2);
        for (String host : List.of("h2", "h1")) {
            lab.stopAgent(host);
            LabStatus.HostStatus st = lab.status().hosts().stream().filter(h -> h.name().equals(host)).findFirst().orElseThrow();
            assertThat(st.alive()).isFalse();
            lab.startAgent(host); // returns once /readyz answers 200
        }
        assertThat(stream.isRunning()).as("the stream outlasted both restarts (else raise -t)").isTrue();
        assertThat(lab.host("h2").subnet()).isEqualTo(subnet);

        Iperf.Result r = stream.await(); // throws on a reset
        assertThat(r.intervalBytes()).hasSizeGreaterThanOrEqualTo(13).allSatisfy(b -> assertThat(b).as("bytes in a 1 s interval").isPositive());
        assertThat(r.bytesReceived()).isPositive();
        awaitPing(lab, "h2-c1", "h1-c1");
    }
}

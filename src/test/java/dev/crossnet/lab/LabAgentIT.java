package dev.crossnet.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crossnet.SelfCommand;
import dev.crossnet.agent.SubnetEnv;
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
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 3's data plane through the whole lab: real agents, real kernel, both stores (SQLite and a
 * real etcd on the underlay). Each test runs for both backends and both stores; the agent-restart
 * test, which restarts two agents under a stream, for two representative pairs. Join and leave are in
 * {@link LabMembershipIT}. Needs root.
 *
 * <p>The restart test runs in the lab the first test built and checked for the same pair (a lab up
 * costs more CPU than the restarts): that test hands its lab over only when it passed, with every
 * route it tampered with back, and the restart test asserts nothing the first test's work could
 * satisfy (bytes that arrive during and after the restarts; subnets it reads itself before them).
 * Run alone, the restart test builds its own lab.
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LabAgentIT {
    /** The limit of every wait for the lab to reach a state; generous, for a loaded machine. */
    static final Duration CONVERGE = Duration.ofSeconds(60);

    /** Labs of {@link #restartPairs} that passed the first test, by pair, until the restart test adopts them. */
    private static final Map<String, Lab> HANDED_OVER = new ConcurrentHashMap<>();

    @RegisterExtension
    final LabExtension labs = new LabExtension();

    @AfterAll
    static void removeLabsNotAdopted() {
        HANDED_OVER.values().forEach(l -> Lab.down(l.name(), LabOptions.DEFAULT_STATE_ROOT));
        HANDED_OVER.clear();
    }

    private static String pair(Type backend, StoreKind store) {
        return backend + "/" + store;
    }

    private static boolean isRestartPair(Type backend, StoreKind store) {
        return restartPairs().anyMatch(a -> a.get()[0] == backend && a.get()[1] == store);
    }

    /** The restart pairs last, so that the labs they hand over wait as little as possible. */
    static Stream<Arguments> everyBackendAndStore() {
        return Stream.of(Arguments.of(Type.VXLAN, StoreKind.EMBEDDED), Arguments.of(Type.HOST_GW, StoreKind.ETCD),
                Arguments.of(Type.VXLAN, StoreKind.ETCD), Arguments.of(Type.HOST_GW, StoreKind.EMBEDDED));
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

    @Order(1)
    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("everyBackendAndStore")
    void up3x2_everyContainerReachesEveryOther_tcpArrivesWhole_andATamperedRouteComesBack(Type backend, StoreKind store,
            @TempDir Path tmp) throws Exception {
        boolean handOver = isRestartPair(backend, store);
        LabOptions o = labs.options().withHosts(3).withContainersPerHost(2).withBackend(backend).withStore(store);
        if (!handOver) {
            up3x2(labs.track(Lab.up(o)), o, backend, store, tmp.resolve("payload"));
            return;
        }
        o = o.withName(LabExtension.keptName()); // Lab.up removes what it made if it fails
        Lab lab = Lab.up(o);
        try {
            up3x2(lab, o, backend, store, tmp.resolve("payload"));
        } catch (Throwable t) {
            labs.adopt(lab); // dumped and removed after this test, like any other
            throw t;
        }
        HANDED_OVER.put(pair(backend, store), lab);
    }

    private void up3x2(Lab lab, LabOptions o, Type backend, StoreKind store, Path payload) throws Exception {
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
            await("DF 1422 h1-c1 -> " + to).atMost(CONVERGE).pollInterval(Duration.ofMillis(200))
                    .until(() -> lab.exec("h1-c1", "ping", "-M", "do", "-c1", "-W2", "-s", "1422", to).exit() == 0);
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
        await("route to " + h1Subnet + " restored on h2").atMost(CONVERGE).pollInterval(Duration.ofMillis(100))
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
            await("nc listening in " + to).atMost(CONVERGE).pollInterval(Duration.ofMillis(50))
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
            assertThat(server.waitFor(CONVERGE.toSeconds(), TimeUnit.SECONDS)).as("receiver saw the end of the stream").isTrue();
            return received.get(CONVERGE.toSeconds(), TimeUnit.SECONDS);
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

    /**
     * A restart breaks no traffic. With a TCP stream running from h1-c1 to h2-c1, each agent in
     * turn (h2's, then h1's) is stopped and started again; the kernel carries the stream while the
     * agent is down and after it is back, so new bytes keep arriving at the receiver throughout.
     * The stream runs until the test stops it, however long the restarts take. At the end the
     * receiver has exactly the bytes that were sent (no reset, nothing lost), and each host's
     * subnet, read from its own subnet.env and from its lease in the store, is the one it had before.
     */
    @Order(2)
    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("restartPairs")
    void agentRestartsDuringATcpStream_bytesKeepArrivingAndArriveWhole_andTheSubnetStays(Type backend, StoreKind store)
            throws Exception {
        Lab handedOver = HANDED_OVER.remove(pair(backend, store));
        Lab lab = handedOver != null ? labs.adopt(handedOver)
                : labs.track(Lab.up(labs.options().withHosts(2).withContainersPerHost(1).withBackend(backend).withStore(store)));
        awaitPing(lab, "h1-c1", "h2-c1");
        Map<String, HostSubnet> before = subnetsOnHosts(lab);
        for (String host : List.of("h1", "h2")) {
            String leased = lab.host(host).subnet();
            assertThat(before.get(host)).as(host + " before the restarts").isEqualTo(new HostSubnet(leased, List.of(leased)));
        }

        try (TcpStream stream = TcpStream.untilStopped(lab, "h1-c1", "h2-c1", 5201)) {
            long more = TcpStream.MORE_THAN_BUFFERED;
            stream.awaitMore("before the restarts", more, CONVERGE);
            for (String host : List.of("h2", "h1")) {
                lab.stopAgent(host);
                assertThat(lab.status().hosts().stream().filter(h -> h.name().equals(host)).findFirst().orElseThrow().alive())
                        .as(host + "'s agent stopped").isFalse();
                stream.awaitMore("while " + host + "'s agent is stopped", more, CONVERGE);
                lab.startAgent(host); // returns once /readyz answers 200
                stream.awaitMore("after " + host + "'s agent restarted", more, CONVERGE);
                assertThat(subnetsOnHosts(lab)).as("after " + host + "'s agent restarted").isEqualTo(before);
            }
            stream.stop();
            stream.assertIntact(CONVERGE);
            System.out.printf("restarts [%s, %s]: %d bytes arrived whole; longest pause between reads %d ms (information only)%n",
                    backend.wire(), store, stream.received(), stream.longestGapMillis());
        }
        awaitPing(lab, "h2-c1", "h1-c1");
    }

    /** A host's subnet as the host itself has it: FLANNEL_SUBNET in its subnet.env, and the store's leases for its PublicIP. */
    record HostSubnet(String subnetEnv, List<String> leases) {
    }

    /** {@link HostSubnet} of every host, read now from the hosts' files and from the store (one {@code crossnet lease ls}). */
    private static Map<String, HostSubnet> subnetsOnHosts(Lab lab) throws Exception {
        // The lab's etcd listens on the underlay only, so the store is read from a host's namespace.
        List<String> cmd = new ArrayList<>(SelfCommand.argv());
        cmd.addAll(List.of("lease", "ls", "--json", "--store", lab.state().store(), "--prefix", lab.state().prefix()));
        Cmd.Result r = Cmd.run(Plumbing.inNs(lab.host("h1").netns(), cmd), null, Duration.ofSeconds(60));
        assertThat(r.exit()).as("crossnet lease ls: " + r.err()).isZero();
        JsonNode leases = new ObjectMapper().readTree(r.out());
        Map<String, HostSubnet> out = new LinkedHashMap<>();
        for (LabState.HostState h : lab.state().hosts()) {
            List<String> own = new ArrayList<>();
            for (JsonNode l : leases) {
                if (h.underlayIp().equals(l.path("publicIP").asText())) {
                    own.add(l.path("subnet").asText());
                }
            }
            out.put(h.name(), new HostSubnet(SubnetEnv.read(Agents.subnetFile(lab.dir(), h.name())).subnet().toString(), own));
        }
        return out;
    }
}

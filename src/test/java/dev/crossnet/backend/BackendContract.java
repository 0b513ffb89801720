package dev.crossnet.backend;

import static dev.crossnet.testing.NetnsLab.sh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crossnet.kernel.Kernel;
import dev.crossnet.kernel.linux.CommandLog;
import dev.crossnet.kernel.linux.Netns;
import dev.crossnet.model.Lease;
import dev.crossnet.model.LeaseAttrs;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.model.Subnet;
import dev.crossnet.testing.NetnsLab;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every backend must do, as one suite subclassed once per backend (netty's {@code testsuite}
 * habit): hosts are {@link NetnsLab} namespaces on one underlay bridge, each with a container behind
 * a bridge (MTU 1500, so that only the backend limits the path), and each runs the backend in this
 * JVM as the agent would: {@link Backend#register}, then on every resync {@link Network#supervise},
 * {@link Network#start} and {@link Network#reconcile} with every other host's lease. The contract:
 * every pair of containers reaches each other at exactly {@link Network#mtu()}; a resync with nothing
 * changed writes nothing; a peer that joins is programmed and one that leaves is forgotten; a
 * restart (close, register again, start) adopts what is there, writing nothing; and what someone
 * deletes (the backend's device, the routes) comes back on the next resyncs. Two tests, each with
 * a lab of its own, to keep CI short. Needs root.
 */
@Tag("integration")
public abstract class BackendContract {
    /** The limit of every wait; generous, for a loaded machine. It only stops a broken run. */
    protected static final Duration PATIENCE = Duration.ofSeconds(60);

    @RegisterExtension
    protected final NetnsLab lab = new NetnsLab();
    @TempDir
    protected Path state;
    /** Every tool the hosts' kernels run, to tell a resync that wrote something from one that did not. */
    protected final CommandLog commands = new CommandLog();
    private final List<Node> nodes = new ArrayList<>();

    /** The network config, with Network 10.5.0.0/16; host {@code i} leases 10.5.i.0/24. */
    protected abstract NetworkConfig config();

    /** A fresh backend programming {@code kernel}, as the agent would make one at start. */
    protected abstract Backend backend(Kernel kernel);

    /** The device the backend makes on every host (deleted by the heal test), or null when it makes none. */
    protected abstract String device();

    /** Whether traffic keeps flowing while no {@link Network} runs (kernel data planes do; a userspace one does not). */
    protected abstract boolean carriesTrafficWhileStopped();

    /**
     * What {@code host} holds for {@code peer} (kernel entries, or the backend's own table): one
     * string per kind of entry, blank when there is none.
     */
    protected abstract List<String> traces(Node host, Node peer);

    /** Called once the heal test has deleted {@code host}'s device and routes, before the resyncs. */
    protected void whileBroken(Node host) {
    }

    /** One simulated host running the backend. Not thread-safe. */
    protected final class Node {
        public final NetnsLab.Host host;
        public final Kernel kernel;
        public final Subnet subnet;
        public final String container;
        public Network network;
        public Lease lease;

        Node(int i) {
            host = lab.host(i);
            kernel = commands.kernelIn(host.ns());
            subnet = Subnet.parse("10.5." + i + ".0/24");
            register();
            container = lab.container(host, subnet, 1500);
        }

        /** The container's address. */
        public String ip() {
            return subnet.address(2).toCanonicalString();
        }

        /** A new backend's network, its lease carrying the network's BackendData, started. */
        void register() {
            Backend b = backend(kernel);
            network = Netns.run(host.ns(), () -> b.register(host.context(state), config()));
            lease = new Lease(subnet, new LeaseAttrs(host.publicIp(), b.type(), network.backendData()), null, 1);
            Netns.exec(host.ns(), () -> network.start(lease));
        }

        /** One resync as the agent's loop runs it, with {@code peers}' leases. In the host's namespace. */
        public void resync(List<Node> peers) {
            Netns.exec(host.ns(), () -> {
                network.supervise();
                network.start(lease);
                network.reconcile(peers.stream().filter(p -> p != this).map(p -> p.lease).toList());
            });
        }
    }

    /** Host {@code i} (1-based), running the backend, with its container; closed after the test. */
    protected Node node(int i) {
        Node n = new Node(i);
        nodes.add(n);
        return n;
    }

    @AfterEach
    void closeNetworks() {
        nodes.forEach(n -> n.network.close());
    }

    /** Resyncs every one of {@code nodes} with all the others as its peers. */
    protected static void resyncAll(List<Node> nodes) {
        nodes.forEach(n -> n.resync(nodes));
    }

    /** Until one DF ping of {@code payload} bytes from {@code from}'s container to {@code to}'s gets a reply. */
    protected void awaitPing(Node from, Node to, int payload) {
        await(from.container + " -> " + to.ip() + " (" + payload + " bytes)").atMost(PATIENCE)
                .pollInterval(Duration.ofMillis(200)).until(() -> lab.ping(from.container, to.ip(), payload));
    }

    protected void awaitPing(Node from, Node to) {
        awaitPing(from, to, 56);
    }

    /** The runs so far that changed the kernel: {@code ip}/{@code bridge} batches and sysctl writes. */
    protected List<CommandLog.Run> writes() {
        return commands.runs().stream().filter(r -> r.batch() || r.tool().equals("tee")).toList();
    }

    /** The host's kernel state that a backend may touch, for before/after comparisons. */
    protected static String kernelState(Node n) {
        // Not ip -d (a bridge's gc_timer ticks), nor the operstate (a TUN device reopened goes from
        // UNKNOWN to UP), nor IPv6 (link-local addresses leave DAD on their own).
        return sh("ip -o link show | sed 's/ state [A-Z]* / /'; ip -4 -o addr show; ip route show table main; ip neigh show nud permanent;"
                + " bridge fdb show | grep permanent; sysctl -n net.ipv4.ip_forward", n.host.ns());
    }

    /**
     * Membership: two hosts reach each other; a third joins and every pair of the three reaches each
     * other at exactly the MTU; a resync with nothing changed writes nothing; the third leaves and
     * the others forget it.
     */
    @Test
    void peerJoins_everyPairReachesEachOtherAtExactlyTheMtu_idleResyncWritesNothing_peerLeaves_forgotten() {
        List<Node> two = List.of(node(1), node(2));
        resyncAll(two);
        awaitPing(two.get(0), two.get(1));
        Node joining = node(3);
        List<Node> all = List.of(two.get(0), two.get(1), joining);

        resyncAll(all);

        for (Node from : all) {
            for (Node to : all) {
                if (from != to) {
                    awaitPing(from, to);
                }
            }
        }
        for (Node n : two) {
            assertThat(traces(n, joining)).as("%s holds %s", n.host.ns(), joining.subnet).allSatisfy(t -> assertThat(t).isNotBlank());
        }
        // The largest DF ping payload is the MTU less 20 IP and 8 ICMP; one byte more must not cross.
        int largest = all.get(0).network.mtu() - 28;
        awaitPing(all.get(0), all.get(1), largest);
        assertThat(lab.ping(all.get(0).container, all.get(1).ip(), largest + 1)).as("DF ping of %d bytes", largest + 1)
                .isFalse();

        List<String> before = all.stream().map(BackendContract::kernelState).toList();
        commands.clear();
        resyncAll(all);
        resyncAll(all);
        assertThat(writes()).as("writes of two resyncs with nothing changed").isEmpty();
        assertThat(all.stream().map(BackendContract::kernelState).toList()).isEqualTo(before);

        resyncAll(two); // its lease is gone: the others no longer see it

        for (Node n : two) {
            assertThat(traces(n, joining)).as("%s forgot %s", n.host.ns(), joining.subnet).allSatisfy(t -> assertThat(t).isBlank());
        }
        assertThat(lab.ping(two.get(0).container, joining.ip(), 56)).as("the one that left is unreachable").isFalse();
        awaitPing(two.get(1), two.get(0));
    }

    /**
     * Repair: a restart (close, register again, start) onto an intact host adopts what is there and
     * writes nothing; then the backend's device and the routes to a peer are deleted by hand, and the
     * next resyncs put them back.
     */
    @Test
    void restart_adoptsAndWritesNothing_thenDeletedDeviceAndRoutes_comeBackOnTheNextResyncs() {
        List<Node> all = List.of(node(1), node(2));
        resyncAll(all);
        awaitPing(all.get(0), all.get(1));
        Node h1 = all.get(0);
        JsonNode data = h1.network.backendData();
        String before = kernelState(h1);

        h1.network.close();
        if (carriesTrafficWhileStopped()) {
            awaitPing(all.get(1), h1);
        }
        commands.clear();
        h1.register();
        h1.resync(all);

        assertThat(writes()).as("writes of a restart onto an intact host").isEmpty();
        assertThat(kernelState(h1)).as("the same devices (same ifindex), addresses, routes, entries").isEqualTo(before);
        assertThat(h1.network.backendData()).as("what the lease publishes").isEqualTo(data);
        awaitPing(all.get(1), h1);
        awaitPing(h1, all.get(1));

        String match = "ip route show match " + all.get(1).ip() + " | grep -v '^default'";
        String routes = match + " || true";
        assertThat(sh(routes, h1.host.ns())).as("h1's route to h2's container").isNotBlank();
        if (device() != null) {
            sh("ip link del " + device(), h1.host.ns());
        }
        // Every route that still carries h1's traffic to h2's container, by destination.
        sh("for d in $(" + match + " | awk '{print $1}'); do ip route del $d; done", h1.host.ns());
        assertThat(sh(routes, h1.host.ns())).isBlank();
        assertThat(lab.ping(h1.container, all.get(1).ip(), 56)).as("h1 cut off").isFalse();
        whileBroken(h1);

        // As the agent's loop: resync until it holds (a restart may wait for its backoff).
        long broken = System.nanoTime();
        await("h1 healed by resyncs").atMost(PATIENCE).pollInterval(Duration.ofMillis(500)).until(() -> {
            resyncAll(all);
            return lab.ping(h1.container, all.get(1).ip(), 56);
        });
        System.out.printf("%s: h1 reached h2 again %.1f s after the tamper (information only)%n",
                getClass().getSimpleName(), (System.nanoTime() - broken) / 1e9);
        awaitPing(all.get(1), h1);
        if (device() != null) {
            assertThat(sh("ip -o link show " + device(), h1.host.ns())).contains("mtu " + h1.network.mtu());
        }
        assertThat(h1.network.fault()).isNull();
    }
}

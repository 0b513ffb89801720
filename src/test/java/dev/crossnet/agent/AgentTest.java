package dev.crossnet.agent;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.crossnet.CrossnetException;
import dev.crossnet.backend.Backend;
import dev.crossnet.backend.HostContext;
import dev.crossnet.backend.Network;
import dev.crossnet.lease.LeaseRegistry;
import dev.crossnet.lease.PoolExhaustedException;
import dev.crossnet.metrics.MetricFamilies;
import dev.crossnet.model.ConfigException;
import dev.crossnet.model.Lease;
import dev.crossnet.model.LeaseAttrs;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.model.Subnet;
import dev.crossnet.store.sqlite.SqliteStore;
import dev.crossnet.testing.MutableClock;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The agent's logic against a recording network: no kernel, no root. */
class AgentTest {
    @TempDir
    Path dir;
    SqliteStore store;
    LeaseRegistry registry;
    final RecordingNetwork network = new RecordingNetwork();
    final List<String> rules = new CopyOnWriteArrayList<>();
    final PrometheusRegistry metrics = new PrometheusRegistry();
    /** The peers of each {@link HostRules#ensure} call, in order. */
    final List<List<String>> filters = new CopyOnWriteArrayList<>();
    Clock clock = Clock.systemUTC();
    Agent agent;
    Thread loop;

    @BeforeEach
    void setUp() {
        store = SqliteStore.open(dir.resolve("store.db"));
        registry = new LeaseRegistry(store, "/p");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (agent != null) {
            agent.stop();
        }
        if (loop != null) {
            loop.join(30_000);
        }
        store.close();
    }

    Agent newAgent() {
        Agent.Options o = new Agent.Options("eth0", null, dir.resolve("run/subnet.env"), dir.resolve("run/docker"),
                dir.resolve("state"), true, Duration.ofHours(24), Duration.ofMinutes(60), Duration.ofMillis(200));
        HostContext host = new HostContext("eth0", 2, new IPAddressString("172.30.0.11").getAddress(),
                Subnet.parse("172.30.0.0/24"), 1500, dir.resolve("state"));
        Backend backend = new Backend() {
            @Override
            public String type() {
                return "vxlan";
            }

            @Override
            public Network register(HostContext h, NetworkConfig c) {
                return network;
            }
        };
        HostRules hostRules = new HostRules() {
            @Override
            public void ensure(NetworkConfig c, Subnet own, boolean masq, Collection<IPAddress> peers) {
                rules.add(own + " masq=" + masq);
                filters.add(peers.stream().map(IPAddress::toCanonicalString).toList());
            }
        };
        return new Agent(o, store, "/p", t -> backend, hostRules, clock, metrics, opts -> host);
    }

    void startLoop() {
        agent.start();
        loop = new Thread(agent::run, "agent-loop");
        loop.start();
    }

    @Test
    void start_writesFilesRulesAndLease() throws Exception {
        registry.setConfig(NetworkConfig.parse("{\"Network\":\"10.5.0.0/16\"}"));
        agent = newAgent();
        agent.start();
        Subnet own = agent.lease().subnet();
        assertThat(Files.readString(dir.resolve("run/subnet.env"))).contains("FLANNEL_SUBNET=" + own.gatewayCidr(),
                "FLANNEL_MTU=1450", "FLANNEL_IPMASQ=true");
        assertThat(rules).containsExactly(own + " masq=true");
        assertThat(network.started).containsExactly(own);
        Lease stored = registry.lease(own).orElseThrow();
        assertThat(stored.attrs().publicIp()).isEqualTo("172.30.0.11");
        assertThat(stored.attrs().backendData().get("VtepMAC").asText()).isEqualTo("02:00:00:00:00:01");
        assertThat(agent.isReady()).isTrue();
    }

    @Test
    void peers_areReconciled_asTheyComeAndGo() {
        registry.setConfig(NetworkConfig.parse("{\"Network\":\"10.5.0.0/16\"}"));
        agent = newAgent();
        startLoop();
        Subnet peer = Subnet.parse("10.5.200.0/24");
        registry.create(peer, new LeaseAttrs("172.30.0.12", "vxlan", null), Duration.ofHours(1)).orElseThrow();
        await().atMost(Duration.ofSeconds(30)).until(() -> network.lastPeers().contains(peer));
        await().atMost(Duration.ofSeconds(30)).until(() -> MetricFamilies.text(metrics).contains("crossnet_peers_programmed 1.0\n"));
        assertThat(MetricFamilies.text(metrics)).containsPattern("crossnet_last_resync_timestamp_seconds 1\\.[0-9]+E9\n")
                .contains("crossnet_reconcile_errors_total{kind=\"peers\"} 0.0\n");
        registry.delete(peer);
        await().atMost(Duration.ofSeconds(30)).until(() -> !network.lastPeers().contains(peer));
    }

    /** flannel #904: flanneld exits when its lease is deleted; the agent takes one again. */
    @Test
    void ownLeaseDeleted_isReacquired() {
        registry.setConfig(NetworkConfig.parse("{\"Network\":\"10.5.0.0/16\"}"));
        agent = newAgent();
        startLoop();
        Subnet own = agent.lease().subnet();
        registry.delete(own);
        await().atMost(Duration.ofSeconds(30)).until(() -> registry.lease(own).isPresent());
        assertThat(registry.lease(own).orElseThrow().attrs().publicIp()).isEqualTo("172.30.0.11");
        assertThat(network.started).containsOnly(own).hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void restart_getsTheSameSubnet() {
        registry.setConfig(NetworkConfig.parse("{\"Network\":\"10.5.0.0/16\"}"));
        agent = newAgent();
        agent.start();
        Subnet first = agent.lease().subnet();
        agent.stop();
        agent = newAgent();
        agent.start();
        assertThat(agent.lease().subnet()).isEqualTo(first);
        assertThat(registry.leases().leases()).hasSize(1);
    }

    @Test
    void fullPool_failsBeforeWritingAnything() {
        registry.setConfig(NetworkConfig.parse("{\"Network\":\"10.0.0.0/26\",\"SubnetLen\":28}"));
        for (int i = 1; i <= 3; i++) {
            registry.create(registry.config().subnetAt(i - 1), new LeaseAttrs("172.30.0." + (100 + i), "vxlan", null),
                    Duration.ofHours(1));
        }
        agent = newAgent();
        assertThatThrownBy(agent::start).isInstanceOf(PoolExhaustedException.class);
        assertThat(dir.resolve("run/subnet.env")).doesNotExist();
        assertThat(rules).isEmpty();
        assertThat(network.started).isEmpty();
        agent = null;
    }

    @Test
    void networkOverlappingTheUnderlay_refusedNamingBothRangesBeforeAnythingIsWritten() {
        registry.setConfig(NetworkConfig.parse("{\"Network\":\"172.30.0.0/16\"}"));
        agent = newAgent();
        assertThatThrownBy(agent::start).isInstanceOf(ConfigException.class)
                .hasMessageContaining("Network: 172.30.0.0/16 overlaps 172.30.0.0/24, the underlay subnet of eth0");
        assertThat(dir.resolve("run/subnet.env")).doesNotExist();
        assertThat(registry.leases().leases()).isEmpty();
        assertThat(rules).isEmpty();
        assertThat(network.started).isEmpty();
        agent = null;
    }


    @Test
    void resync_reEnsuresTheDeviceAndTheRules_notOnlyThePeers() {
        registry.setConfig(NetworkConfig.parse("{\"Network\":\"10.5.0.0/16\"}"));
        agent = newAgent();
        startLoop();
        Subnet own = agent.lease().subnet();
        // start() made them once; each 200 ms resync makes them again (repairing what someone deleted).
        await().atMost(Duration.ofSeconds(10)).until(() -> network.started.size() >= 3 && rules.size() >= 3);
        assertThat(network.started).containsOnly(own);
        assertThat(rules).containsOnly(own + " masq=true");
        assertThat(filters.size()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void encapsulationFilter_followsTheLeases_everyPublicIpButOurs() {
        registry.setConfig(NetworkConfig.parse("{\"Network\":\"10.5.0.0/16\"}"));
        registry.create(Subnet.parse("10.5.9.0/24"), new LeaseAttrs("172.30.0.19", "host-gw", null), Duration.ofHours(1));
        agent = newAgent();
        agent.start();
        assertThat(filters).containsExactly(List.of("172.30.0.19"));
        loop = new Thread(agent::run, "agent-loop");
        loop.start();
        Subnet peer = Subnet.parse("10.5.200.0/24");
        // A flanneld udp host names no BackendType: its PublicIP is a peer's all the same.
        registry.create(peer, new LeaseAttrs("172.30.0.12", null, null), Duration.ofHours(1)).orElseThrow();
        await().atMost(Duration.ofSeconds(5)).until(() -> last(filters).equals(List.of("172.30.0.12", "172.30.0.19")));
        registry.delete(peer);
        await().atMost(Duration.ofSeconds(5)).until(() -> last(filters).equals(List.of("172.30.0.19")));
    }

    /**
     * Regression: a reconcile that threw was retried at once, round after round (after {@code ip link
     * del crossnet.1}, "cannot replace neighbours" about 20 times a second). On a clock that does not
     * move, one failing resync is all there is until the next peer change.
     */
    @Test
    void failingReconcile_isNotRetriedBeforeTheNextResync_andLoggedOncePerChange() {
        MutableClock frozen = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        clock = frozen;
        registry.setConfig(NetworkConfig.parse("{\"Network\":\"10.5.0.0/16\"}"));
        agent = newAgent();
        startLoop();
        ListAppender<ILoggingEvent> logged = capture(Agent.class);
        network.failure = "Cannot find device \"crossnet.1\"";
        network.startFailure = "cannot make crossnet.1";
        int before = network.reconciled.size();
        // The loop reads the clock when it starts: advance it only once the loop waits for its inbox.
        await().atMost(Duration.ofSeconds(5)).until(() -> loop.getState() == Thread.State.TIMED_WAITING);
        frozen.advance(Duration.ofMillis(200));
        await().atMost(Duration.ofSeconds(5)).until(() -> network.reconciled.size() == before + 1);
        registry.create(Subnet.parse("10.5.200.0/24"), new LeaseAttrs("172.30.0.12", "vxlan", null), Duration.ofHours(1));
        await().atMost(Duration.ofSeconds(5)).until(() -> network.reconciled.size() == before + 2);
        // No resync is due (the clock stands still): the loop goes round without reconciling again.
        await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(3)).until(() -> network.reconciled.size() == before + 2);
        assertThat(errors(logged, "Cannot find device")).as("the same failure twice, logged once").hasSize(1);
        assertThat(errors(logged, "cannot make crossnet.1")).hasSize(1);
        assertThat(network.started).hasSize(2); // start(), and the one resync

        network.failure = "Cannot find device \"crossnet.2\"";
        frozen.advance(Duration.ofMillis(200));
        await().atMost(Duration.ofSeconds(5)).until(() -> errors(logged, "crossnet.2").size() == 1);
        network.failure = null;
        network.startFailure = null;
        frozen.advance(Duration.ofMillis(200));
        await().atMost(Duration.ofSeconds(5)).until(() -> logged.list.stream()
                .filter(e -> e.getFormattedMessage().endsWith("recovered")).count() == 2);
        assertThat(errors(logged, "Cannot find device")).hasSize(2);
    }

    static ListAppender<ILoggingEvent> capture(Class<?> type) {
        ListAppender<ILoggingEvent> a = new ListAppender<>();
        a.start();
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(type)).addAppender(a);
        return a;
    }

    static List<String> errors(ListAppender<ILoggingEvent> a, String text) {
        return a.list.stream().filter(e -> e.getLevel() == Level.ERROR).map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.contains(text)).toList();
    }

    static <T> T last(List<T> l) {
        return l.isEmpty() ? null : l.get(l.size() - 1);
    }

    /** Records what the agent asks of the data plane; fails on request. */
    static final class RecordingNetwork implements Network {
        final List<Subnet> started = new CopyOnWriteArrayList<>();
        final List<List<Subnet>> reconciled = new CopyOnWriteArrayList<>();
        volatile String fault;
        volatile int supervised;
        volatile String failure;
        volatile String startFailure;

        @Override
        public JsonNode backendData() {
            return JsonNodeFactory.instance.objectNode().put("VNI", 1).put("VtepMAC", "02:00:00:00:00:01");
        }

        @Override
        public int mtu() {
            return 1450;
        }

        @Override
        public void start(Lease own) {
            started.add(own.subnet());
            if (startFailure != null) {
                throw new CrossnetException(startFailure);
            }
        }

        @Override
        public void reconcile(Collection<Lease> peers) {
            List<Subnet> s = new ArrayList<>();
            peers.forEach(p -> s.add(p.subnet()));
            reconciled.add(s);
            if (failure != null) {
                throw new CrossnetException(failure);
            }
        }

        @Override
        public void supervise() {
            supervised++;
        }

        @Override
        public String fault() {
            return fault;
        }

        List<Subnet> lastPeers() {
            return reconciled.isEmpty() ? List.of() : reconciled.get(reconciled.size() - 1);
        }

        @Override
        public void close() {
        }
    }

    @Test
    void statusFeed_reportsTheLeaseThePeersAndEachProblemSinceFirstSeen() {
        registry.setConfig(NetworkConfig.parse("{\"Network\":\"10.5.0.0/16\"}"));
        agent = newAgent();
        startLoop();
        Subnet peer = Subnet.parse("10.5.200.0/24");
        registry.create(peer, new LeaseAttrs("172.30.0.12", "vxlan", null), Duration.ofHours(1)).orElseThrow();
        await().atMost(Duration.ofSeconds(30)).until(() -> agent.overlay().peers().stream().anyMatch(l -> l.subnet().equals(peer)));
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        MutableClock c = new MutableClock(t0);
        List<dev.crossnet.ProblemLog.Problem> problems = new ArrayList<>(List.of(new dev.crossnet.ProblemLog.Problem("vxlan", "", "refused")));
        StatusFeed feed = new StatusFeed(agent, "h1", c, () -> List.copyOf(problems));
        List<dev.crossnet.probe.PeerProbes.Reach> reach = List.of(new dev.crossnet.probe.PeerProbes.Reach("172.30.0.12", peer.toString(), true, 0.3, t0));

        dev.crossnet.status.HostReport r = feed.report(reach);

        assertThat(r.host()).isEqualTo("h1");
        assertThat(r.publicIp()).isEqualTo("172.30.0.11");
        assertThat(r.subnet()).isEqualTo(agent.lease().subnet().toString());
        assertThat(r.backend()).isEqualTo("vxlan");
        assertThat(r.peers()).containsExactly(new dev.crossnet.status.ClusterStatus.Peer("172.30.0.12", "172.30.0.12", peer.toString(), true, 0.3,
                t0.toString()));
        assertThat(r.errors()).containsExactly(new dev.crossnet.status.ClusterStatus.Problem("vxlan", "", "refused", t0.toString()));

        c.advance(Duration.ofMinutes(1));
        assertThat(feed.report(reach).errors()).extracting(dev.crossnet.status.ClusterStatus.Problem::since).containsExactly(t0.toString());
        problems.clear();
        assertThat(feed.report(reach).errors()).isEmpty();
        problems.add(new dev.crossnet.ProblemLog.Problem("vxlan", "", "refused"));
        assertThat(feed.report(reach).errors()).extracting(dev.crossnet.status.ClusterStatus.Problem::since)
                .as("gone and back: since now").containsExactly(t0.plus(Duration.ofMinutes(1)).toString());

        dev.crossnet.probe.PeerProbes.Sketch sketch = new dev.crossnet.probe.PeerProbes.Sketch(1, new java.util.BitSet());
        StatusFeed.Says says = feed.says(sketch);
        assertThat(feed.says(new dev.crossnet.probe.PeerProbes.Sketch(1, new java.util.BitSet()))).isEqualTo(says);
        problems.clear();
        assertThat(feed.says(sketch)).as("a problem gone").isNotEqualTo(says);
    }
}

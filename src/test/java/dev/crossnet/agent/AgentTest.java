package dev.crossnet.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.crossnet.backend.Backend;
import dev.crossnet.backend.HostContext;
import dev.crossnet.backend.Network;
import dev.crossnet.lease.LeaseRegistry;
import dev.crossnet.lease.PoolExhaustedException;
import dev.crossnet.metrics.MetricsRegistry;
import dev.crossnet.model.ConfigException;
import dev.crossnet.model.Lease;
import dev.crossnet.model.LeaseAttrs;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.model.Subnet;
import dev.crossnet.store.sqlite.SqliteStore;
import inet.ipaddr.IPAddressString;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's logic against a recording network: no kernel, no root. */
class AgentTest {
    @TempDir
    Path dir;
    SqliteStore store;
    LeaseRegistry registry;
    final RecordingNetwork network = new RecordingNetwork();
    final List<String> rules = new CopyOnWriteArrayList<>();
    final MetricsRegistry metrics = new MetricsRegistry();
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
        return new Agent(o, store, "/p", t -> backend, (c, own, masq) -> rules.add(own + " masq=" + masq),
                Clock.systemUTC(), metrics, opts -> host);
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
        await().atMost(Duration.ofSeconds(30)).until(() -> metrics.render().contains("crossnet_peers_programmed 1\n"));
        assertThat(metrics.render()).containsPattern("crossnet_last_resync_timestamp_seconds 1[0-9]{9}")
                .contains("crossnet_reconcile_errors_total{kind=\"peers\"} 0");
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
        assertThat(network.started).containsExactly(own, own);
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

    /** Records what the agent asks of the data plane. */
    static final class RecordingNetwork implements Network {
        final List<Subnet> started = new CopyOnWriteArrayList<>();
        final List<List<Subnet>> reconciled = new CopyOnWriteArrayList<>();
        volatile String fault;
        volatile int supervised;

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
        }

        @Override
        public void reconcile(Collection<Lease> peers) {
            List<Subnet> s = new ArrayList<>();
            peers.forEach(p -> s.add(p.subnet()));
            reconciled.add(s);
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
}

package dev.crossnet.agent;

import dev.crossnet.backend.Backend;
import dev.crossnet.backend.HostContext;
import dev.crossnet.backend.Network;
import dev.crossnet.lease.LeaseRegistry;
import dev.crossnet.metrics.MetricFamilies;
import dev.crossnet.model.LeaseAttrs;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.model.Subnet;
import dev.crossnet.store.sqlite.SqliteStore;
import dev.crossnet.testing.FlakyStore;
import dev.crossnet.testing.MutableClock;
import inet.ipaddr.IPAddressString;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Losing the lease while things fail, on a fake clock: the loop is driven by {@link Agent#tick()},
 * the store is made unreachable by a {@link FlakyStore}, and nothing sleeps.
 */
class AgentLeaseLossTest {
    static final Duration TTL = Duration.ofHours(1);
    static final Duration MARGIN = Duration.ofMinutes(10);
    static final Duration LONG = Duration.ofDays(30);

    @TempDir
    Path dir;
    final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    final AgentTest.RecordingNetwork network = new AgentTest.RecordingNetwork();
    final List<String> rules = new CopyOnWriteArrayList<>();
    final PrometheusRegistry metrics = new PrometheusRegistry();
    SqliteStore real;
    FlakyStore store;
    LeaseRegistry others; // what other hosts and the operator do, straight to the store
    Agent agent;

    @BeforeEach
    void setUp() {
        real = new SqliteStore(dir.resolve("store.db"), clock, Duration.ofMillis(10));
        store = new FlakyStore(real);
        others = new LeaseRegistry(real, "/p");
    }

    @AfterEach
    void tearDown() {
        if (agent != null) {
            agent.stop();
        }
        real.close();
    }

    Agent newAgent() {
        Agent.Options o = new Agent.Options("eth0", null, dir.resolve("run/subnet.env"), null, dir.resolve("state"), false,
                TTL, MARGIN, Duration.ofSeconds(5));
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
        return new Agent(o, store, "/p", t -> backend, (c, own, masq, peers) -> rules.add(own.toString()), clock, metrics, x -> host);
    }

    long leaseErrors() {
        String line = MetricFamilies.text(metrics).lines().filter(l -> l.startsWith("crossnet_reconcile_errors_total{kind=\"lease\"}"))
                .findFirst().orElseThrow();
        return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }

    /** The scenario: store unreachable past expiry, then a full pool, then a freed subnet. */
    @Test
    void storeDownPastExpiry_thenFullPool_thenFreedSubnet_reacquiredWithinRetryInterval_notReadyInBetween() throws Exception {
        others.setConfig(NetworkConfig.parse("{\"Network\":\"10.0.0.0/26\",\"SubnetLen\":28}")); // a pool of 3
        agent = newAgent();
        agent.start();
        Subnet own = agent.lease().subnet();
        List<Subnet> rest = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Subnet s = others.config().subnetAt(i);
            if (!s.equals(own)) {
                rest.add(s);
                others.create(s, new LeaseAttrs("172.30.0." + (20 + i), "vxlan", null), LONG).orElseThrow();
            }
        }
        assertThat(agent.isReady()).isTrue();

        // The store goes away; renewal (due at expiry - margin) fails, but the lease still holds.
        store.down(true);
        clock.advance(TTL.minus(MARGIN));
        agent.tick();
        assertThat(leaseErrors()).isEqualTo(1);
        assertThat(agent.isReady()).isTrue();

        // Past expiry: the store dropped the lease and we hold none.
        clock.advance(MARGIN);
        agent.tick();
        assertThat(agent.isReady()).isFalse();
        assertThat(agent.notReady()).contains(own.toString());

        // Meanwhile another host took our subnet: the pool is full. The store comes back.
        others.create(own, new LeaseAttrs("172.30.0.99", "vxlan", null), LONG).orElseThrow();
        store.down(false);
        await().atMost(Duration.ofSeconds(60)).pollInSameThread().until(() -> {
            clock.advance(Duration.ofSeconds(1));
            agent.tick();
            return agent.notReady() != null && agent.notReady().contains("no free subnet");
        });
        long errors = leaseErrors();
        for (int i = 0; i < 5; i++) { // retried with backoff, still full: still not ready, each attempt counted
            clock.advance(Agent.RETRY_MAX);
            agent.tick();
            assertThat(agent.isReady()).isFalse();
        }
        assertThat(leaseErrors()).isEqualTo(errors + 5);

        // A subnet is freed: taken at the next retry, at most RETRY_MAX later.
        Subnet freed = rest.get(0);
        others.delete(freed);
        clock.advance(Agent.RETRY_MAX);
        agent.tick();
        assertThat(agent.lease().subnet()).isEqualTo(freed);
        assertThat(agent.notReady()).isNull();
        assertThat(agent.isReady()).isTrue();
        assertThat(others.lease(freed).orElseThrow().attrs().publicIp()).isEqualTo("172.30.0.11");
        // Every resync re-ensures the device and every reconcile the rules (issue 10): for the old
        // subnet, then only for the freed one.
        assertThat(network.started.stream().distinct()).containsExactly(own, freed);
        assertThat(network.started.get(network.started.size() - 1)).isEqualTo(freed);
        assertThat(rules.stream().distinct()).containsExactly(own.toString(), freed.toString());
        assertThat(rules.get(rules.size() - 1)).isEqualTo(freed.toString());
        assertThat(Files.readString(dir.resolve("run/subnet.env"))).contains("FLANNEL_SUBNET=" + freed.gatewayCidr());
    }

    /** Before: the failed re-acquire was only logged, and nothing retried it until the next renewal. */
    @Test
    void leaseDeletedWhileStoreUnreachable_retriedWithBackoff_sameSubnetBack() {
        others.setConfig(NetworkConfig.parse("{\"Network\":\"10.5.0.0/16\"}"));
        agent = newAgent();
        agent.start();
        Subnet own = agent.lease().subnet();
        store.down(true);
        others.delete(own);
        await().atMost(Duration.ofSeconds(60)).pollInSameThread().until(() -> {
            agent.tick(); // the watch's delete arrives; re-acquiring fails on the store
            return !agent.isReady();
        });
        // Which lease: the expiry path said so, and this path did not (storeDownPastExpiry... failed when the
        // watch's delete came before the expiry was noticed).
        assertThat(agent.notReady()).contains("re-acquiring lease " + own + " failed").contains("connection refused");
        store.down(false);
        agent.tick();
        assertThat(agent.isReady()).as("retried only after the backoff").isFalse();
        clock.advance(Agent.RETRY_MIN);
        agent.tick();
        assertThat(agent.isReady()).isTrue();
        assertThat(agent.lease().subnet()).isEqualTo(own);
        assertThat(others.lease(own).orElseThrow().attrs().publicIp()).isEqualTo("172.30.0.11");
    }

    @Test
    void datapathDown_notReadyWithTheReason_andSupervisedEveryTurn() {
        others.setConfig(NetworkConfig.parse("{\"Network\":\"10.5.0.0/16\"}"));
        agent = newAgent();
        agent.start();
        agent.tick();
        assertThat(network.supervised).isEqualTo(1);
        network.fault = "udp datapath down: the UDP -> TUN loop stopped";
        assertThat(agent.isReady()).isFalse();
        assertThat(agent.notReady()).isEqualTo(network.fault);
        network.fault = null;
        assertThat(agent.isReady()).isTrue();
    }
}

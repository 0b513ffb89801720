package dev.crossnet.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.docker.engine.Engine;
import dev.crossnet.docker.engine.EngineNetwork;
import dev.crossnet.store.sqlite.SqliteStore;
import dev.crossnet.testing.MutableClock;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link EngineSync} against an in-memory dockerd. No root. */
class EngineSyncTest {
    @TempDir
    Path tmp;
    SqliteStore store;
    DockerStore docker;

    /** A dockerd that only keeps networks; creating one calls back like Docker's CreateNetwork would. */
    static class FakeEngine implements Engine {
        final Map<String, EngineNetwork> networks = new LinkedHashMap<>();
        final List<String> calls = new ArrayList<>();
        java.util.function.Consumer<EngineNetwork> onCreate = n -> { };

        @Override
        public List<EngineNetwork> networks(String driver) {
            return new ArrayList<>(networks.values());
        }

        @Override
        public Optional<EngineNetwork> network(String idOrName) {
            return Optional.ofNullable(networks.get(idOrName));
        }

        @Override
        public String createNetwork(EngineNetwork.Spec s) {
            String id = "d" + networks.size() + "x".repeat(10);
            calls.add("create " + s.name() + " " + s.subnet() + " " + s.ipRange() + " " + s.options());
            EngineNetwork n = new EngineNetwork(id, s.name(), s.driver(), s.subnet(), s.gateway(), s.ipRange(), s.ipamDriver(),
                    s.ipamOptions(), s.options(), s.labels(), s.attachable(), Map.of());
            networks.put(id, n);
            onCreate.accept(n);
            return id;
        }

        @Override
        public void removeNetwork(String idOrName) {
            calls.add("remove " + idOrName);
            networks.remove(idOrName);
        }
    }

    @BeforeEach
    void setUp() {
        store = new SqliteStore(tmp.resolve("store.db"), Clock.systemUTC(), Duration.ofMillis(20));
        docker = new DockerStore(store, "/t");
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    @Test
    void networkCreatedOnH1_publishedThenCreatedOnH2_removedWhenGone() {
        FakeEngine e1 = new FakeEngine();
        FakeEngine e2 = new FakeEngine();
        // h1: docker network create made the Docker network and (through the driver) the store record.
        e1.networks.put("n1", new EngineNetwork("n1", "my-overlay", "crossnet", "192.168.100.0/24", "192.168.100.1",
                "192.168.100.0/25", "crossnet", Map.of("pool", "p"), Map.of("foo", "bar"), Map.of("l", "v"), true, Map.of()));
        NetworkRecord n = docker.createNetwork(new NetworkRecord("n1", "", "192.168.100.0/24", "192.168.100.1", "", 0,
                Map.of("foo", "bar"), false, Map.of(), "crossnet", Map.of(), "h1", "now"));
        docker.attach("n1", "h1", "n1");
        EngineSync s1 = new EngineSync(docker, e1, "h1", Duration.ofMillis(10), Clock.systemUTC());
        EngineSync s2 = new EngineSync(docker, e2, "h2", Duration.ofMillis(10), Clock.systemUTC());
        e2.onCreate = created -> docker.attach(created.options().get(NetworkDriver.NETWORK_OPTION), "h2", created.id());

        s2.tick();
        assertThat(e2.calls).as("not published yet: the name is unknown").isEmpty();
        s1.tick();
        NetworkRecord published = docker.network("n1").orElseThrow();
        assertThat(published.name()).isEqualTo("my-overlay");
        assertThat(published.ipRange()).isEqualTo("192.168.100.0/25");
        assertThat(published.attachable()).isTrue();
        assertThat(published.ipamOptions()).containsEntry("pool", "p");
        s2.tick();
        assertThat(e2.calls).containsExactly("create my-overlay 192.168.100.0/24 192.168.100.0/25 {foo=bar, dev.crossnet.network=n1}");
        s2.tick();
        assertThat(e2.calls).hasSize(1); // idempotent

        docker.deleteNetwork(n);
        s2.tick();
        assertThat(e2.calls).last().asString().startsWith("remove d0");
        assertThat(e2.networks).isEmpty();
    }

    @Test
    void createFails_retriedAfterBackoffOnly() {
        FakeEngine e2 = new FakeEngine() {
            @Override
            public String createNetwork(EngineNetwork.Spec s) {
                calls.add("create " + s.name());
                throw new dev.crossnet.CrossnetException("no");
            }
        };
        docker.createNetwork(new NetworkRecord("n1", "x", "192.168.100.0/24", "192.168.100.1", "", 0, Map.of(), false, Map.of(),
                "crossnet", Map.of(), "h1", "now"));
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        EngineSync s2 = new EngineSync(docker, e2, "h2", Duration.ofMillis(10), clock);
        s2.tick();
        s2.tick();
        assertThat(e2.calls).as("second tick, at once").containsExactly("create x");
        clock.advance(EngineSync.RETRY.minusMillis(1));
        s2.tick();
        assertThat(e2.calls).as("just before the backoff ends").containsExactly("create x");
        clock.advance(Duration.ofMillis(1));
        s2.tick();
        assertThat(e2.calls).as("once the backoff has passed").containsExactly("create x", "create x");
        s2.tick();
        assertThat(e2.calls).as("failed again: a new backoff").hasSize(2);
    }
}

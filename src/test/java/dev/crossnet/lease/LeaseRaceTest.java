package dev.crossnet.lease;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.model.Lease;
import dev.crossnet.model.LeaseAttrs;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.store.Store;
import dev.crossnet.store.sqlite.SqliteStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many agents race for leases at once, each with its own store connection (as separate processes
 * would have). Shared with the etcd run through {@link #race}.
 */
class LeaseRaceTest {
    @TempDir
    Path dir;

    /** Runs {@code agents} concurrent acquisitions; returns each agent's subnet, or its error message. */
    static List<String> race(Supplier<Store> stores, String prefix, int agents) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(agents, 64));
        List<Store> opened = new ArrayList<>();
        try {
            List<Callable<String>> tasks = new ArrayList<>();
            for (int i = 0; i < agents; i++) {
                Store s = stores.get();
                opened.add(s);
                String ip = "192.0." + (2 + i / 250) + "." + (1 + i % 250);
                tasks.add(() -> {
                    SubnetManager m = new SubnetManager(new LeaseRegistry(s, prefix), new Random());
                    try {
                        Lease l = m.acquire(new LeaseAttrs(ip, "vxlan", null), Duration.ofHours(1), null);
                        return l.subnet().toString();
                    } catch (PoolExhaustedException e) {
                        return "ERR " + e.getMessage();
                    }
                });
            }
            List<String> out = new ArrayList<>();
            for (Future<String> f : pool.invokeAll(tasks)) {
                out.add(f.get());
            }
            return out;
        } finally {
            pool.shutdownNow();
            opened.forEach(Store::close);
        }
    }

    @Test
    void twoHundredAgents_slash16_noDuplicates() throws Exception {
        Path db = dir.resolve("store.db");
        try (SqliteStore s = SqliteStore.open(db)) {
            new LeaseRegistry(s, "/p").setConfig(NetworkConfig.parse("{\"Network\":\"10.5.0.0/16\"}"));
        }
        List<String> got = race(() -> SqliteStore.open(db), "/p", 200);
        assertThat(got).hasSize(200).doesNotHaveDuplicates().allMatch(s -> s.startsWith("10.5."));
        try (SqliteStore s = SqliteStore.open(db)) {
            assertThat(new LeaseRegistry(s, "/p").leases().leases()).hasSize(200);
        }
    }

    @Test
    void poolOfThree_fourAgents_fourthGetsTheClearError() throws Exception {
        Path db = dir.resolve("store.db");
        try (SqliteStore s = SqliteStore.open(db)) {
            new LeaseRegistry(s, "/p").setConfig(NetworkConfig.parse("{\"Network\":\"10.0.0.0/26\",\"SubnetLen\":28}"));
        }
        List<String> got = race(() -> SqliteStore.open(db), "/p", 4);
        assertThat(got).filteredOn(s -> !s.startsWith("ERR")).hasSize(3).doesNotHaveDuplicates();
        assertThat(got).filteredOn(s -> s.startsWith("ERR"))
                .containsExactly("ERR no free subnet in 10.0.0.0/26 for /28: 3 of 3 leased");
    }
}

package dev.crossnet.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crossnet.model.Lease;
import dev.crossnet.model.LeaseAttrs;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.model.Subnet;
import dev.crossnet.store.sqlite.SqliteStore;
import dev.crossnet.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SubnetManagerTest {
    static final Duration TTL = Duration.ofHours(24);

    @TempDir
    Path dir;
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    SqliteStore store;
    LeaseRegistry registry;
    SubnetManager manager;

    @BeforeEach
    void setUp() {
        store = new SqliteStore(dir.resolve("store.db"), clock, Duration.ofMillis(10));
        registry = new LeaseRegistry(store, "/coreos.com/network");
        manager = new SubnetManager(registry, new Random(7));
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    void config(String json) {
        registry.setConfig(NetworkConfig.parse(json));
    }

    static LeaseAttrs host(int n) {
        return new LeaseAttrs("192.0.2." + n, "vxlan", null);
    }

    @Test
    void acquire_writesFlannelKeyAndValue() throws Exception {
        config("{\"Network\":\"10.5.0.0/16\"}");
        Lease l = manager.acquire(host(1), TTL, null);
        String value = store.get("/coreos.com/network/subnets/" + l.subnet().key()).orElseThrow().value();
        assertThat(value).isEqualTo("{\"PublicIP\":\"192.0.2.1\",\"BackendType\":\"vxlan\"}");
        assertThat(l.expiration()).isEqualTo(clock.instant().plus(TTL));
        assertThat(l.subnet().key()).matches("10\\.5\\.\\d+\\.0-24");
    }

    @Test
    void acquire_poolOfThree_givesThreeThenNamesThePool() {
        config("{\"Network\":\"10.0.0.0/26\",\"SubnetLen\":28}");
        Set<Subnet> got = new HashSet<>();
        for (int i = 1; i <= 3; i++) {
            got.add(manager.acquire(host(i), TTL, null).subnet());
        }
        assertThat(got).extracting(Subnet::toString)
                .containsExactlyInAnyOrder("10.0.0.16/28", "10.0.0.32/28", "10.0.0.48/28");
        assertThatThrownBy(() -> manager.acquire(host(4), TTL, null))
                .isInstanceOf(PoolExhaustedException.class)
                .hasMessage("no free subnet in 10.0.0.0/26 for /28: 3 of 3 leased");
        assertThat(registry.leases().leases()).hasSize(3);
    }

    @Test
    void acquire_samePublicIp_getsTheSameSubnetBack() {
        config("{\"Network\":\"10.5.0.0/16\"}");
        Lease first = manager.acquire(host(1), TTL, null);
        manager.acquire(host(2), TTL, null);
        clock.advance(Duration.ofHours(1));
        Lease again = manager.acquire(new LeaseAttrs("192.0.2.1", "vxlan", null), TTL, null);
        assertThat(again.subnet()).isEqualTo(first.subnet());
        assertThat(again.expiration()).isEqualTo(clock.instant().plus(TTL));
        assertThat(registry.leases().leases()).hasSize(2);
    }

    @Test
    void acquire_subnetFromEnv_isReusedWhenFree() {
        config("{\"Network\":\"10.5.0.0/16\"}");
        Subnet prev = Subnet.parse("10.5.77.0/24");
        assertThat(manager.acquire(host(1), TTL, prev).subnet()).isEqualTo(prev);
    }

    /** flannel #1289: a host took the subnet named in its subnet.env although another host held it. */
    @Test
    void acquire_subnetFromEnvHeldByAnotherHost_isNeverTaken() {
        config("{\"Network\":\"10.5.0.0/16\"}");
        Subnet contested = Subnet.parse("10.5.77.0/24");
        registry.create(contested, host(9), TTL).orElseThrow();
        Lease l = manager.acquire(host(1), TTL, contested);
        assertThat(l.subnet()).isNotEqualTo(contested);
        assertThat(registry.lease(contested).orElseThrow().attrs().publicIp()).isEqualTo("192.0.2.9");
    }

    @Test
    void acquire_subnetFromEnvOutsideNetwork_isIgnored() {
        config("{\"Network\":\"10.5.0.0/16\"}");
        Lease l = manager.acquire(host(1), TTL, Subnet.parse("10.6.1.0/24"));
        assertThat(registry.config().isLeasable(l.subnet())).isTrue();
    }

    @Test
    void expiredLease_isReclaimed() {
        config("{\"Network\":\"10.0.0.0/26\",\"SubnetLen\":28}");
        for (int i = 1; i <= 3; i++) {
            manager.acquire(host(i), Duration.ofMinutes(10), null);
        }
        clock.advance(Duration.ofMinutes(11));
        Lease l = manager.acquire(host(4), TTL, null);
        assertThat(registry.leases().leases()).extracting(x -> x.attrs().publicIp()).containsExactly("192.0.2.4");
        assertThat(l.subnet().toString()).startsWith("10.0.0.");
    }

    @Test
    void reservation_hasNoTtl_andIsHandedToItsHost() {
        config("{\"Network\":\"10.5.0.0/16\"}");
        Subnet s = Subnet.parse("10.5.9.0/24");
        Lease r = manager.reserve(s, "192.0.2.5");
        assertThat(r.isPermanent()).isTrue();
        clock.advance(Duration.ofDays(400));
        Lease l = manager.acquire(host(5), TTL, null);
        assertThat(l.subnet()).isEqualTo(s);
        assertThat(l.isPermanent()).isTrue();
        assertThatThrownBy(() -> manager.reserve(s, "192.0.2.6")).hasMessageContaining("held by 192.0.2.5");
        assertThatThrownBy(() -> manager.reserve(Subnet.parse("10.5.0.0/24"), "192.0.2.6"))
                .hasMessageContaining("not a leasable");
    }

    @Test
    void renew_afterSomeoneDeletedIt_reportsLoss() {
        config("{\"Network\":\"10.5.0.0/16\"}");
        Lease l = manager.acquire(host(1), TTL, null);
        registry.delete(l.subnet());
        assertThatThrownBy(() -> manager.renew(l, TTL)).isInstanceOf(SubnetManager.LeaseLostException.class);
    }

    @Test
    void release_unknownSubnet_namesIt() {
        config("{\"Network\":\"10.5.0.0/16\"}");
        assertThatThrownBy(() -> manager.release(Subnet.parse("10.5.3.0/24")))
                .hasMessageContaining("no lease for 10.5.3.0/24");
    }

    @Test
    void acquire_noConfig_saysHowToSetOne() {
        assertThatThrownBy(() -> manager.acquire(host(1), TTL, null))
                .hasMessageContaining("no network config at /coreos.com/network/config")
                .hasMessageContaining("crossnet config set");
    }

    /** Differential check of the random picker against the obvious reference: the complement of what is taken. */
    @Test
    void pickFree_matchesReferenceOnRandomOccupancy() {
        NetworkConfig cfg = NetworkConfig.parse("{\"Network\":\"10.0.0.0/24\",\"SubnetLen\":28}");
        Random r = new Random(1);
        for (int round = 0; round < 200; round++) {
            Set<Subnet> taken = new HashSet<>();
            for (long i = 0; i < cfg.poolSize(); i++) {
                if (r.nextInt(4) != 0) {
                    taken.add(cfg.subnetAt(i));
                }
            }
            Set<Subnet> reference = new HashSet<>();
            for (long i = 0; i < cfg.poolSize(); i++) {
                reference.add(cfg.subnetAt(i));
            }
            reference.removeAll(taken);
            if (reference.isEmpty()) {
                assertThatThrownBy(() -> manager.pickFree(cfg, taken)).isInstanceOf(PoolExhaustedException.class);
            } else {
                assertThat(reference).contains(manager.pickFree(cfg, taken));
            }
        }
    }
}

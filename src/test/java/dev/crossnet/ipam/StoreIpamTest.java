package dev.crossnet.ipam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crossnet.store.sqlite.SqliteStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreIpamTest {
    private static final String PREFIX = "/test/network";

    @TempDir
    Path tmp;
    SqliteStore store;
    StoreIpam h1;
    StoreIpam h2;

    @BeforeEach
    void open() {
        store = new SqliteStore(tmp.resolve("store.db"), Clock.systemUTC(), Duration.ofMillis(20));
        h1 = new StoreIpam(store, PREFIX, "h1");
        h2 = new StoreIpam(store, PREFIX, "h2");
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void requestAddress_sameNameAndSubnetOnTwoHosts_sharesOnePool() {
        PoolClaim p1 = h1.requestPool("shared", "192.168.100.0/24", null, false);
        PoolClaim p2 = h2.requestPool("shared", "192.168.100.0/24", null, false);
        assertThat(p1.id()).isNotEqualTo(p2.id());
        assertThat(h1.requestAddress(p1.id(), "192.168.100.1", AddressKind.GATEWAY)).isEqualTo("192.168.100.1/24");
        assertThat(h2.requestAddress(p2.id(), "192.168.100.1", AddressKind.GATEWAY)).isEqualTo("192.168.100.1/24");
        assertThat(h1.requestAddress(p1.id(), null, AddressKind.CONTAINER)).isEqualTo("192.168.100.2/24");
        assertThat(h2.requestAddress(p2.id(), null, AddressKind.CONTAINER)).isEqualTo("192.168.100.3/24");
    }

    @Test
    void requestAddress_differentPoolNames_areIndependent() {
        PoolClaim a = h1.requestPool("a", "10.0.0.0/24", null, false);
        PoolClaim b = h2.requestPool("b", "10.0.0.0/24", null, false);
        assertThat(h1.requestAddress(a.id(), null, AddressKind.CONTAINER)).isEqualTo("10.0.0.1/24");
        assertThat(h2.requestAddress(b.id(), null, AddressKind.CONTAINER)).isEqualTo("10.0.0.1/24");
    }

    @Test
    void requestAddress_staticTakenByOtherHost_namesAddressAndHost() {
        PoolClaim p1 = h1.requestPool(null, "10.1.0.0/24", null, false);
        PoolClaim p2 = h2.requestPool(null, "10.1.0.0/24", null, false);
        h1.requestAddress(p1.id(), "10.1.0.7", AddressKind.CONTAINER);
        assertThatThrownBy(() -> h2.requestAddress(p2.id(), "10.1.0.7", AddressKind.CONTAINER))
                .isInstanceOf(IpamException.class)
                .hasMessageContaining("10.1.0.7 is already allocated").hasMessageContaining("host h1");
    }

    @Test
    void requestAddress_anyGateway_returnsThePoolsExistingGateway() {
        PoolClaim p1 = h1.requestPool(null, "10.2.0.0/24", null, false);
        PoolClaim p2 = h2.requestPool(null, "10.2.0.0/24", null, false);
        assertThat(h1.requestAddress(p1.id(), null, AddressKind.GATEWAY)).isEqualTo("10.2.0.1/24");
        assertThat(h2.requestAddress(p2.id(), null, AddressKind.GATEWAY)).isEqualTo("10.2.0.1/24");
        assertThatThrownBy(() -> h2.requestAddress(p2.id(), "10.2.0.1", AddressKind.CONTAINER))
                .hasMessageContaining("it is the gateway");
    }

    @Test
    void requestAddress_ipRange_allocatesInsideRangeOnly_andExhaustsClearly() {
        PoolClaim p = h1.requestPool("r", "10.3.0.0/24", "10.3.0.128/30", false);
        assertThat(h1.requestAddress(p.id(), null, AddressKind.CONTAINER)).isEqualTo("10.3.0.128/24");
        assertThat(h1.requestAddress(p.id(), null, AddressKind.CONTAINER)).isEqualTo("10.3.0.129/24");
        assertThat(h1.requestAddress(p.id(), null, AddressKind.CONTAINER)).isEqualTo("10.3.0.130/24");
        assertThat(h1.requestAddress(p.id(), null, AddressKind.CONTAINER)).isEqualTo("10.3.0.131/24");
        assertThatThrownBy(() -> h1.requestAddress(p.id(), null, AddressKind.CONTAINER))
                .hasMessageContaining("no free address").hasMessageContaining("range 10.3.0.128/30");
        // A static address outside the range but inside the subnet is honoured, as Docker's own IPAM does.
        assertThat(h1.requestAddress(p.id(), "10.3.0.5", AddressKind.CONTAINER)).isEqualTo("10.3.0.5/24");
    }

    @Test
    void requestAddress_neverNetworkOrBroadcast() {
        PoolClaim p = h1.requestPool(null, "10.4.0.0/30", null, false);
        assertThat(h1.requestAddress(p.id(), null, AddressKind.CONTAINER)).isEqualTo("10.4.0.1/30");
        assertThat(h1.requestAddress(p.id(), null, AddressKind.CONTAINER)).isEqualTo("10.4.0.2/30");
        assertThatThrownBy(() -> h1.requestAddress(p.id(), null, AddressKind.CONTAINER)).hasMessageContaining("no free address");
        assertThatThrownBy(() -> h1.requestAddress(p.id(), "10.4.0.3", AddressKind.CONTAINER)).hasMessageContaining("broadcast");
        assertThatThrownBy(() -> h1.requestAddress(p.id(), "10.4.0.0", AddressKind.CONTAINER)).hasMessageContaining("network address");
    }

    @Test
    void releaseAddress_freesForReuse_andIsIdempotent() {
        PoolClaim p = h1.requestPool(null, "10.5.0.0/29", null, false);
        String a = h1.requestAddress(p.id(), null, AddressKind.CONTAINER);
        h1.releaseAddress(p.id(), a.substring(0, a.indexOf('/')));
        h1.releaseAddress(p.id(), a.substring(0, a.indexOf('/')));
        assertThat(h2.requestAddress(h2.requestPool(null, "10.5.0.0/29", null, false).id(), null, AddressKind.CONTAINER)).isEqualTo(a);
    }

    @Test
    void releaseAddress_anotherHostsAddress_isKept() {
        // h2 was reaped while away and its address went to h1; h2 comes back and frees what it remembers.
        PoolClaim p1 = h1.requestPool(null, "10.5.1.0/29", null, false);
        PoolClaim p2 = h2.requestPool(null, "10.5.1.0/29", null, false);
        String a = h1.requestAddress(p1.id(), null, AddressKind.CONTAINER);
        h2.releaseAddress(p2.id(), a.substring(0, a.indexOf('/')));
        assertThat(store.get(PREFIX + "/ipam/addresses/default-10.5.1.0-29/" + a.substring(0, a.indexOf('/')))).isPresent();
        assertThat(h2.requestAddress(p2.id(), null, AddressKind.CONTAINER)).isNotEqualTo(a);
    }

    @Test
    void releasePool_lastClaim_freesGatewayAndPool_butSharedGatewaySurvivesOtherRelease() {
        PoolClaim p1 = h1.requestPool(null, "10.6.0.0/24", null, false);
        PoolClaim p2 = h2.requestPool(null, "10.6.0.0/24", null, false);
        h1.requestAddress(p1.id(), "10.6.0.1", AddressKind.GATEWAY);
        h1.releaseAddress(p1.id(), "10.6.0.1"); // Docker does this before ReleasePool
        h1.releasePool(p1.id());
        assertThat(store.get(PREFIX + "/ipam/addresses/default-10.6.0.0-24/10.6.0.1")).isPresent();
        assertThatThrownBy(() -> h1.requestAddress(p1.id(), null, AddressKind.CONTAINER)).hasMessageContaining("unknown pool ID");
        h2.releasePool(p2.id());
        assertThat(store.list(PREFIX + "/ipam/").items()).isEmpty();
    }

    @Test
    void requestPool_badInput_clearErrorAndNothingWritten() {
        assertThatThrownBy(() -> h1.requestPool(null, "", null, false)).hasMessageContaining("--subnet is required");
        assertThatThrownBy(() -> h1.requestPool(null, "10.7.0.1/24", null, false)).hasMessageContaining("--subnet").hasMessageContaining("10.7.0.0/24");
        assertThatThrownBy(() -> h1.requestPool(null, "banana", null, false)).hasMessageContaining("--subnet").hasMessageContaining("banana");
        assertThatThrownBy(() -> h1.requestPool(null, "10.7.0.0/24", "10.8.0.0/25", false)).hasMessageContaining("--ip-range 10.8.0.0/25 is not inside");
        assertThatThrownBy(() -> h1.requestPool("bad/name", "10.7.0.0/24", null, false)).hasMessageContaining("pool name \"bad/name\"");
        assertThatThrownBy(() -> h1.requestPool(null, "10.7.0.0/24", null, true)).hasMessageContaining("IPv6 pool");
        assertThat(store.list(PREFIX + "/").items()).isEmpty();
        h1.requestPool("n", "10.9.0.0/16", null, false);
        assertThatThrownBy(() -> h2.requestPool("n", "10.9.1.0/24", null, false)).hasMessageContaining("overlaps 10.9.0.0/16");
        assertThatThrownBy(() -> h1.requestAddress("nonsense", null, AddressKind.CONTAINER)).hasMessageContaining("unknown pool ID \"nonsense\"");
    }

    @Test
    void requestAddress_ipv6() {
        PoolClaim p = h1.requestPool("v6", "fd00:1::/120", null, true);
        assertThat(h1.requestAddress(p.id(), null, AddressKind.CONTAINER)).isEqualTo("fd00:1::1/120");
        assertThat(h1.requestAddress(p.id(), "fd00:1::ff", AddressKind.CONTAINER)).isEqualTo("fd00:1::ff/120");
    }

    @Test
    void requestAddress_manyThreadsOnSeveralHosts_noDuplicates() throws Exception {
        int hosts = 4;
        int perHost = 40;
        List<StoreIpam> ipams = new ArrayList<>();
        List<String> pools = new ArrayList<>();
        for (int i = 0; i < hosts; i++) {
            StoreIpam ipam = new StoreIpam(store, PREFIX, "h" + i);
            ipams.add(ipam);
            pools.add(ipam.requestPool("c", "10.10.0.0/24", null, false).id());
        }
        Set<String> got = ConcurrentHashMap.newKeySet();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < hosts * perHost; i++) {
                int h = i % hosts;
                futures.add(pool.submit(() -> assertThat(got.add(ipams.get(h).requestAddress(pools.get(h), null, AddressKind.CONTAINER))).isTrue()));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(got).hasSize(hosts * perHost);
        assertThat(store.list(PREFIX + "/ipam/addresses/").items()).hasSize(hosts * perHost);
    }
}

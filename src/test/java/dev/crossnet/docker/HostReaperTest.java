package dev.crossnet.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crossnet.ipam.AddressKind;
import dev.crossnet.ipam.PoolClaim;
import dev.crossnet.ipam.StoreIpam;
import dev.crossnet.store.KeyValue;
import dev.crossnet.store.Store;
import dev.crossnet.store.sqlite.SqliteStore;
import dev.crossnet.testing.MutableClock;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dead-host reaping on a real (temporary) embedded store with a fake clock: h1 is this host, h2
 * the one that dies, h3 a live peer. Each holds endpoints, an attachment, a claim and addresses
 * in one shared pool.
 */
class HostReaperTest {
    static final String PREFIX = "/t";
    static final String NET = "a".repeat(64);
    static final Duration TTL = Duration.ofSeconds(15);
    static final Duration GRACE = Duration.ofSeconds(60);

    @TempDir
    Path tmp;
    MutableClock clock;
    SqliteStore store;
    DockerStore docker;
    final List<HostPresence> presences = new ArrayList<>();

    @BeforeEach
    void setUp() {
        clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        store = new SqliteStore(tmp.resolve("store.db"), clock, Duration.ofMillis(20));
        docker = new DockerStore(store, PREFIX);
        populate(store, PREFIX, "h1", "172.30.0.11", 2);
        populate(store, PREFIX, "h2", "172.30.0.12", 3);
        populate(store, PREFIX, "h3", "172.30.0.13", 2);
    }

    @AfterEach
    void tearDown() {
        presences.forEach(HostPresence::close);
        store.close();
    }

    /** {@code n} endpoints of {@code host} with addresses from the shared pool, its claim and its attachment. */
    static void populate(Store store, String prefix, String host, String hostIp, int n) {
        DockerStore docker = new DockerStore(store, prefix);
        StoreIpam ipam = new StoreIpam(store, prefix, host);
        PoolClaim claim = ipam.requestPool("default", "192.168.100.0/24", null, false);
        ipam.requestAddress(claim.id(), "192.168.100.1", AddressKind.GATEWAY);
        for (int i = 0; i < n; i++) {
            String address = ipam.requestAddress(claim.id(), null, AddressKind.CONTAINER);
            docker.createEndpoint(new EndpointRecord(NET, host + "ep" + i, host, hostIp, address, "02:42:00:00:00:0" + i,
                    "cnv" + host + "ep" + i, ""));
        }
        docker.attach(NET, host, "docker-" + host);
    }

    private HostPresence present(String host) {
        HostPresence p = new HostPresence(store, docker, host, TTL, clock);
        p.publish();
        presences.add(p);
        return p;
    }

    private HostReaper reaper(String self) {
        return new HostReaper(store, PREFIX, self, GRACE, clock);
    }

    private List<String> keysOf(String host) {
        return keysOf(store, PREFIX, host);
    }

    /** Every key of {@code host}: endpoints, attachment, claim and container addresses. */
    static List<String> keysOf(Store store, String prefix, String host) {
        List<String> out = new ArrayList<>();
        for (KeyValue kv : store.list(prefix + "/").items()) {
            boolean ipamContainer = kv.key().contains("/ipam/addresses/") && kv.value().contains("\"CONTAINER\"");
            boolean hostField = kv.value().contains("\"Host\":\"" + host + "\"")
                    && (ipamContainer || kv.key().contains("/endpoints/") || kv.key().contains("/ipam/claims/"));
            if (hostField || kv.key().endsWith("/attachments/" + NET + "/" + host)) {
                out.add(kv.key());
            }
        }
        return out;
    }

    @Test
    void pass_hostAbsent_reapedAfterGraceAndNotBefore() {
        present("h1");
        HostPresence h3 = present("h3");
        present("h2"); // then never kept alive again: h2 dies now
        HostReaper reaper = reaper("h1");
        assertThat(keysOf("h2")).hasSize(3 + 1 + 1 + 3);

        assertThat(reaper.pass()).isEmpty();
        assertThat(reaper.absent()).isEmpty(); // its record is still there
        clock.advance(TTL); // h2's record lapses; h3 keeps its own alive
        h3.refresh();
        assertThat(reaper.pass()).isEmpty();
        assertThat(reaper.absent()).containsOnlyKeys("h2");
        clock.advance(GRACE.minusMillis(1));
        h3.refresh();
        assertThat(reaper.pass()).isEmpty();
        assertThat(keysOf("h2")).hasSize(8);

        clock.advance(Duration.ofMillis(1));
        h3.refresh();
        assertThat(reaper.pass()).containsExactly(new HostReaper.Reaped("h2", 3, 1, 4)); // 3 addresses and the claim
        assertThat(keysOf("h2")).isEmpty();
        assertThat(docker.endpoints(NET)).extracting(EndpointRecord::host).containsOnly("h1", "h3").hasSize(4);
        assertThat(keysOf("h1")).hasSize(6);
        assertThat(keysOf("h3")).hasSize(6);
        assertThat(store.get(PREFIX + "/ipam/addresses/default-192.168.100.0-24/192.168.100.1")).isPresent(); // the shared gateway
        assertThat(reaper.pass()).isEmpty(); // idempotent
        assertThat(reaper.absent()).isEmpty();

        // h2's addresses are back in the pool: the lowest free is its first (h1 took .2-.3, h2 .4-.6).
        StoreIpam h3Ipam = new StoreIpam(store, PREFIX, "h3");
        PoolClaim claim = h3Ipam.requestPool("default", "192.168.100.0/24", null, false);
        assertThat(h3Ipam.requestAddress(claim.id(), null, AddressKind.CONTAINER)).isEqualTo("192.168.100.4/24");
    }

    @Test
    void pass_ownRecordsWithoutPresence_neverReaped() {
        HostReaper reaper = reaper("h1"); // h1 has no presence record at all, nor h2, h3
        reaper.pass();
        clock.advance(GRACE.multipliedBy(10));
        List<HostReaper.Reaped> reaped = reaper.pass();
        assertThat(reaped).extracting(HostReaper.Reaped::host).containsExactly("h2", "h3");
        assertThat(keysOf("h1")).hasSize(6);
        assertThat(reaper.absent()).doesNotContainKey("h1");
        assertThatThrownBy(() -> new StoreIpam(store, PREFIX, "h1").releaseHost("h1")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void pass_hostRestartsWithinGrace_notReaped_andItsClockStartsAfreshNextTime() {
        present("h3");
        HostReaper reaper = reaper("h1");
        clock.advance(TTL); // h2's agent is down: its record, if it had one, lapsed
        presences.forEach(HostPresence::refresh);
        assertThat(reaper.pass()).isEmpty();
        assertThat(reaper.absent()).containsOnlyKeys("h2");

        clock.advance(GRACE.minusSeconds(1));
        presences.forEach(HostPresence::refresh);
        assertThat(reaper.pass()).isEmpty();
        HostPresence h2 = present("h2"); // its agent is back
        assertThat(reaper.pass()).isEmpty();
        assertThat(reaper.absent()).isEmpty();
        for (int i = 0; i < 20; i++) { // long past the grace, kept alive every TTL/3
            clock.advance(TTL.dividedBy(3));
            presences.forEach(HostPresence::refresh);
            assertThat(reaper.pass()).isEmpty();
        }
        assertThat(keysOf("h2")).hasSize(8);

        // Away again: the grace counts from the new absence, not the old one.
        presences.remove(h2);
        h2.close();
        clock.advance(TTL);
        presences.forEach(HostPresence::refresh);
        reaper.pass();
        clock.advance(GRACE.minusMillis(1));
        presences.forEach(HostPresence::refresh);
        assertThat(reaper.pass()).isEmpty();
        clock.advance(Duration.ofMillis(1));
        presences.forEach(HostPresence::refresh);
        assertThat(reaper.pass()).extracting(HostReaper.Reaped::host).containsExactly("h2");
    }

    @Test
    void refresh_afterTheRecordLapsed_writesItAgain() {
        HostPresence p = present("h2");
        clock.advance(TTL);
        assertThat(store.get(p.key())).isEmpty();
        p.refresh();
        assertThat(store.get(p.key())).isPresent();
        clock.advance(TTL.minusMillis(1));
        p.refresh(); // a keep-alive: the TTL starts again
        clock.advance(TTL.minusMillis(1));
        assertThat(store.get(p.key())).isPresent();
    }

    @Test
    void pass_fourReapersAtOnce_eachKeyDeletedOnce() throws Exception {
        List<HostReaper> reapers = new ArrayList<>();
        for (String self : new String[] {"h1", "h3", "h4", "h5"}) {
            reapers.add(reaper(self));
            present(self);
        }
        present("h2");
        clock.advance(TTL);
        presences.stream().filter(p -> !p.key().endsWith("/h2")).forEach(HostPresence::refresh);
        reapers.forEach(HostReaper::pass);
        clock.advance(GRACE);
        presences.stream().filter(p -> !p.key().endsWith("/h2")).forEach(HostPresence::refresh);

        ExecutorService pool = Executors.newFixedThreadPool(reapers.size());
        try {
            CyclicBarrier start = new CyclicBarrier(reapers.size());
            List<Future<List<HostReaper.Reaped>>> results = new ArrayList<>();
            for (HostReaper r : reapers) {
                results.add(pool.submit(() -> {
                    start.await();
                    return r.pass();
                }));
            }
            int endpoints = 0;
            int attachments = 0;
            int ipamKeys = 0;
            for (Future<List<HostReaper.Reaped>> f : results) {
                for (HostReaper.Reaped r : f.get()) {
                    assertThat(r.host()).isEqualTo("h2");
                    endpoints += r.endpoints();
                    attachments += r.attachments();
                    ipamKeys += r.ipamKeys();
                }
            }
            assertThat(endpoints).isEqualTo(3);
            assertThat(attachments).isEqualTo(1);
            assertThat(ipamKeys).isEqualTo(4);
        } finally {
            pool.shutdownNow();
        }
        assertThat(keysOf("h2")).isEmpty();
        assertThat(keysOf("h1")).hasSize(6);
        assertThat(keysOf("h3")).hasSize(6);
    }

    /** A reaper whose store runs {@code hook} when the reaper re-reads h2's presence record, right before it deletes. */
    private HostReaper reaperWithHook(Runnable hook) {
        String key = docker.hostsPrefix() + "h2";
        Store hooked = (Store) Proxy.newProxyInstance(Store.class.getClassLoader(), new Class<?>[] {Store.class}, (proxy, m, args) -> {
            if (m.getName().equals("get") && key.equals(args[0])) {
                hook.run();
            }
            try {
                return m.invoke(store, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
        return new HostReaper(hooked, PREFIX, "h1", GRACE, clock);
    }

    @Test
    void pass_hostBackJustBeforeTheDeletes_notReaped() {
        HostReaper reaper = reaperWithHook(() -> present("h2"));
        present("h3");
        reaper.pass();
        clock.advance(GRACE);
        presences.forEach(HostPresence::refresh);
        assertThat(reaper.pass()).isEmpty();
        assertThat(keysOf("h2")).hasSize(8);
        assertThat(reaper.absent()).doesNotContainKey("h2");
    }

    @Test
    void pass_recordRewrittenAfterTheListing_isKept() {
        HostReaper reaper = reaperWithHook(() -> docker.updateEndpoint(NET, "h2ep0", e -> e.withContainer("busybox")));
        present("h3");
        reaper.pass();
        clock.advance(GRACE);
        presences.forEach(HostPresence::refresh);
        assertThat(reaper.pass()).containsExactly(new HostReaper.Reaped("h2", 2, 1, 4));
        assertThat(keysOf("h2")).containsExactly(docker.endpointsPrefix() + NET + "/h2ep0");
    }

    @Test
    void pass_unreadableEndpointRecord_isLeftAlone_andTheRestReaped() {
        store.put(PREFIX + "/docker/endpoints/" + NET + "/garbage", "{not json", null);
        HostReaper reaper = reaper("h1");
        present("h3");
        reaper.pass();
        clock.advance(GRACE);
        presences.forEach(HostPresence::refresh);
        assertThat(reaper.pass()).extracting(HostReaper.Reaped::host).containsExactly("h2");
        assertThat(keysOf("h2")).isEmpty();
        assertThat(store.get(PREFIX + "/docker/endpoints/" + NET + "/garbage")).isPresent();
    }

    @Test
    void pass_lastClaimOfAPoolReaped_freesThePoolAndItsGateway() {
        StoreIpam h2 = new StoreIpam(store, PREFIX, "h2");
        PoolClaim only = h2.requestPool("solo", "10.9.0.0/24", null, false);
        h2.requestAddress(only.id(), null, AddressKind.GATEWAY);
        h2.requestAddress(only.id(), null, AddressKind.CONTAINER);
        present("h3");
        HostReaper reaper = reaper("h1");
        reaper.pass();
        clock.advance(GRACE);
        presences.forEach(HostPresence::refresh);
        reaper.pass();
        assertThat(store.list(PREFIX + "/ipam/").items()).extracting(KeyValue::key).noneMatch(k -> k.contains("solo-"));
        assertThat(store.get(PREFIX + "/ipam/pools/default-192.168.100.0-24")).isPresent(); // h1's and h3's claims hold it
    }
}

package dev.crossnet.docker;

import static dev.crossnet.docker.HostReaperTest.keysOf;
import static dev.crossnet.docker.HostReaperTest.populate;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crossnet.store.Store;
import dev.crossnet.store.StoreSpec;
import dev.crossnet.store.etcd.EtcdStore;
import dev.crossnet.store.etcd.EtcdTestCluster;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link HostReaper} and {@link HostPresence} on a real etcd, where a TTL is an etcd lease: h2's
 * presence lapses once it stops keeping it alive, and h1 and h3 reap it at once, each key once.
 */
@Tag("integration")
class HostReaperEtcdIT {
    static final Duration TTL = Duration.ofSeconds(2);
    static final Duration GRACE = Duration.ofSeconds(6);

    @Test
    void deadHost_reapedByTwoReapersAtOnce_theLiveOnesKept() throws Exception {
        String prefix = "/it-" + UUID.randomUUID();
        try (EtcdTestCluster etcd = EtcdTestCluster.start("reap-it");
             // The set-up, the reapers and the checks use the test cluster's generous timeout, so a
             // busy machine cannot fail them.
             Store store = EtcdStore.connect(etcd.spec());
             // The hosts' presence gets a short attempt timeout, as a host with a short TTL needs: now
             // and then jetcd never completes a keep-alive, and the call only moves on (and the
             // record is rewritten) when the attempt times out. The test cluster's 30 s would outlast GRACE.
             Store presence = EtcdStore.connect(withTimeout(etcd.spec(), Duration.ofSeconds(1)))) {
            DockerStore docker = new DockerStore(presence, prefix);
            populate(store, prefix, "h1", "172.30.0.11", 2);
            populate(store, prefix, "h2", "172.30.0.12", 3);
            populate(store, prefix, "h3", "172.30.0.13", 2);
            try (HostPresence h1 = HostPresence.start(presence, docker, "h1", TTL, Clock.systemUTC());
                 HostPresence h3 = HostPresence.start(presence, docker, "h3", TTL, Clock.systemUTC())) {
                HostPresence.start(presence, docker, "h2", TTL, Clock.systemUTC()).close(); // h2 dies right after starting
                HostReaper r1 = new HostReaper(store, prefix, "h1", GRACE, Clock.systemUTC());
                HostReaper r3 = new HostReaper(store, prefix, "h3", GRACE, Clock.systemUTC());

                // The pass that first sees h2 absent only starts its clock.
                await("h2's presence lapsed").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                        .until(() -> r1.pass().isEmpty() && r1.absent().containsKey("h2"));
                assertThat(keysOf(store, prefix, "h2")).hasSize(8);

                AtomicInteger endpoints = new AtomicInteger();
                AtomicInteger ipamKeys = new AtomicInteger();
                await("h2 reaped").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
                    CompletableFuture<List<HostReaper.Reaped>> a = CompletableFuture.supplyAsync(r1::pass);
                    CompletableFuture<List<HostReaper.Reaped>> b = CompletableFuture.supplyAsync(r3::pass);
                    for (HostReaper.Reaped r : a.get()) {
                        endpoints.addAndGet(r.endpoints());
                        ipamKeys.addAndGet(r.ipamKeys());
                    }
                    for (HostReaper.Reaped r : b.get()) {
                        endpoints.addAndGet(r.endpoints());
                        ipamKeys.addAndGet(r.ipamKeys());
                    }
                    return keysOf(store, prefix, "h2").isEmpty();
                });
                assertThat(endpoints.get()).isEqualTo(3);
                assertThat(ipamKeys.get()).isEqualTo(4);
                assertThat(keysOf(store, prefix, "h1")).hasSize(6);
                assertThat(keysOf(store, prefix, "h3")).hasSize(6);
            }
        }
    }

    private static StoreSpec withTimeout(StoreSpec s, Duration timeout) {
        return new StoreSpec(s.file(), s.endpoints(), s.caFile(), s.certFile(), s.keyFile(), s.username(), s.password(), timeout);
    }
}

package dev.crossnet.store.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crossnet.store.RecordingListener;
import dev.crossnet.store.StoreSpec;
import dev.crossnet.store.Watch;
import dev.crossnet.store.WatchEvent;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Endpoint sync ({@link EtcdStore#syncEndpoints}) against a real etcd: the store is given the member
 * as {@code localhost}, etcd lists it as {@code 127.0.0.1}, so the first sync changes the endpoints
 * (as when members join or leave) and the store moves to them. A watch opened before goes on
 * without a gap or a reset, also once the old client is closed.
 */
@Tag("integration")
class EtcdEndpointSyncIT {
    static final Duration LIMIT = Duration.ofSeconds(60);

    @Test
    void sync_movesCallsAndWatchesToTheMembersUrls_noGapNoReset_evenAfterTheOldClientCloses() throws Exception {
        try (EtcdTestCluster etcd = EtcdTestCluster.start("endpoint-sync")) {
            URI listed = etcd.launcher.clientUrl();
            URI given = URI.create("http://localhost:" + listed.getPort());
            // A short per-call timeout: the old client is closed one call's budget (2.5 timeouts) after the switch.
            StoreSpec spec = new StoreSpec(null, List.of(given), null, null, null, null, null, Duration.ofSeconds(2));
            try (EtcdStore store = EtcdStore.connect(spec)) {
                RecordingListener l = new RecordingListener();
                long rev = store.put("/sync/before", "1", null);
                try (Watch w = store.watch("/sync/", rev, l)) {
                    store.put("/sync/a", "1", null);
                    await().atMost(LIMIT).until(() -> keys(l).contains("/sync/a"));

                    assertThat(store.syncEndpointsOnce()).containsExactly(listed);
                    assertThat(store.endpoint()).isEqualTo("etcd://127.0.0.1:" + listed.getPort());
                    assertThat(store.syncEndpointsOnce()).as("unchanged: nothing to do").isNull();
                    store.put("/sync/b", "1", null);
                    await().atMost(LIMIT).until(() -> keys(l).contains("/sync/b"));

                    store.retiredClient().get(LIMIT.toSeconds(), TimeUnit.SECONDS);
                    store.put("/sync/c", "1", null);
                    await().atMost(LIMIT).until(() -> keys(l).contains("/sync/c"));
                    assertThat(store.get("/sync/a")).isPresent();
                    assertThat(keys(l)).containsExactly("/sync/a", "/sync/b", "/sync/c");
                    assertThat(l.resets()).as("no re-list").isEmpty();
                    assertThat(l.calls()).as("no error").noneMatch(Exception.class::isInstance);
                }
            }
        }
    }

    @Test
    void syncEndpoints_tellsTheNewListOnce() {
        try (EtcdTestCluster etcd = EtcdTestCluster.start("endpoint-sync-listener")) {
            URI listed = etcd.launcher.clientUrl();
            StoreSpec spec = new StoreSpec(null, List.of(URI.create("http://localhost:" + listed.getPort())), null, null, null, null,
                    null, Duration.ofSeconds(5));
            List<List<URI>> told = new java.util.concurrent.CopyOnWriteArrayList<>();
            try (EtcdStore store = EtcdStore.connect(spec)) {
                store.syncEndpoints(Duration.ofMillis(200), told::add);
                await().atMost(LIMIT).until(() -> !told.isEmpty());
                assertThat(told.get(0)).containsExactly(listed);
                store.put("/sync/x", "1", null);
                assertThat(told).hasSize(1);
            }
        }
    }

    static List<String> keys(RecordingListener l) {
        return l.events().stream().map(WatchEvent::key).toList();
    }
}

package dev.crossnet.store.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crossnet.store.KeyValue;
import dev.crossnet.store.ListResult;
import dev.crossnet.store.RecordingListener;
import dev.crossnet.store.Watch;
import dev.crossnet.store.WatchEvent;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A watch across an etcd outage: it reports the error, then re-lists, and loses nothing. */
@Tag("integration")
class EtcdWatchRecoveryIT {
    /** For what may take long on a busy machine (reconnect backoff, etcd's restart); only stops a broken run. */
    static final Duration PATIENCE = Duration.ofSeconds(60);
    EtcdTestCluster etcd;

    @AfterEach
    void stop() {
        if (etcd != null) {
            etcd.close();
        }
    }

    @Test
    void watch_etcdRestarts_reportsErrorThenResetsWithWritesMadeMeanwhile() {
        etcd = EtcdTestCluster.start("watch-recovery");
        RecordingListener rec = new RecordingListener();
        try (EtcdStore store = EtcdStore.connect(etcd.spec());
             Watch w = store.watch("/r/", store.list("/r/").revision(), rec)) {
            store.put("/r/a", "1", null);
            await().atMost(PATIENCE).until(() -> rec.events().size() == 1);

            etcd.launcher.stop(); // keeps the data dir: the same cluster comes back
            await().atMost(PATIENCE).until(() -> rec.calls().stream().anyMatch(Exception.class::isInstance));
            etcd.launcher.start();

            // Written by another client while our watch is still reconnecting (or just after).
            try (EtcdStore other = EtcdStore.connect(etcd.spec())) {
                other.put("/r/b", "2", null);
                other.delete("/r/a");
            }
            await().atMost(PATIENCE).until(() -> !rec.resets().isEmpty());
            // Whatever was not in the snapshot must come as events after it: the final view is exact.
            await().atMost(PATIENCE).untilAsserted(() ->
                    assertThat(view(rec)).isEqualTo(java.util.Map.of("/r/b", "2")));
            assertThat(rec.overlap()).isNull();
        }
    }

    /** Replays the listener's calls into key → value, as a consumer of the watch would. */
    private static java.util.Map<String, String> view(RecordingListener rec) {
        java.util.Map<String, String> m = new java.util.TreeMap<>();
        for (Object call : rec.calls()) {
            if (call instanceof ListResult snap) {
                m.clear();
                for (KeyValue kv : snap.items()) {
                    m.put(kv.key(), kv.value());
                }
            } else if (call instanceof RecordingListener.Events ev) {
                for (WatchEvent e : ev.events()) {
                    if (e instanceof WatchEvent.Put put) {
                        m.put(put.key(), put.kv().value());
                    } else {
                        m.remove(e.key());
                    }
                }
            }
        }
        return m;
    }
}

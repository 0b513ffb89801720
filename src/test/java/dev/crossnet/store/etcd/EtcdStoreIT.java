package dev.crossnet.store.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.store.Store;
import dev.crossnet.store.StoreContract;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The store contract against a real etcd on loopback, started for this class. */
@Tag("integration")
class EtcdStoreIT extends StoreContract {
    static EtcdTestCluster etcd;
    static EtcdStore store;
    static Client raw;

    @BeforeAll
    static void startEtcd() {
        etcd = EtcdTestCluster.start("store-it");
        store = EtcdStore.connect(etcd.spec());
        raw = etcd.rawClient();
    }

    @AfterAll
    static void stopEtcd() {
        try {
            if (store != null) {
                store.close();
            }
            if (raw != null) {
                raw.close();
            }
        } finally {
            if (etcd != null) {
                etcd.close();
            }
        }
    }

    @Override
    protected Store store() {
        return store;
    }

    @Override
    protected void compactAll() throws Exception {
        long rev = raw.getKVClient().get(ByteSequence.from("/".getBytes())).get(5, TimeUnit.SECONDS).getHeader().getRevision();
        raw.getKVClient().compact(rev).get(5, TimeUnit.SECONDS);
    }

    @Override
    protected Duration shortTtl() {
        return Duration.ofSeconds(2);
    }

    @Test
    void endpoint_namesTheCluster() {
        assertThat(store.endpoint()).isEqualTo("etcd://127.0.0.1:" + etcd.clientPort);
    }

    @Test
    void expiresAt_reflectsLeaseTtl() {
        store.put(p + "k", "v", Duration.ofSeconds(30));
        var kv = store.get(p + "k").orElseThrow();
        assertThat(kv.expiresAt()).isBetween(java.time.Instant.now().plusSeconds(25), java.time.Instant.now().plusSeconds(31));
        assertThat(store.list(p).items().get(0).expiresAt()).isNotNull();
    }
}

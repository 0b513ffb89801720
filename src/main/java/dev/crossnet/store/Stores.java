package dev.crossnet.store;

import dev.crossnet.store.etcd.EtcdStore;
import dev.crossnet.store.sqlite.SqliteStore;

/** Opens the store a {@link StoreSpec} names: the one place that picks the implementation. */
public final class Stores {
    private Stores() {
    }

    public static Store open(StoreSpec spec) {
        return spec.isEtcd() ? EtcdStore.connect(spec) : SqliteStore.open(spec.file());
    }
}

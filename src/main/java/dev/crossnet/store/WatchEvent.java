package dev.crossnet.store;

/** One change seen by a watch. An expired TTL is reported as a {@link Delete}. */
public sealed interface WatchEvent permits WatchEvent.Put, WatchEvent.Delete {

    String key();

    long revision();

    record Put(KeyValue kv) implements WatchEvent {
        @Override
        public String key() {
            return kv.key();
        }

        @Override
        public long revision() {
            return kv.modRevision();
        }
    }

    /** @param previous the value before deletion, when the store knows it; may be null */
    record Delete(String key, long revision, String previous) implements WatchEvent {
    }
}

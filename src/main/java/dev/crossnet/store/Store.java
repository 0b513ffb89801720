package dev.crossnet.store;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The cluster store. Keys are slash-separated strings, values UTF-8 text (JSON, mostly).
 *
 * <p>Every write moves the store-wide revision forward by one; {@link KeyValue#modRevision()} is
 * the handle for compare-and-set. A key written with a TTL disappears when the TTL lapses without a
 * {@link #keepAlive} or rewrite, and watchers see a {@link WatchEvent.Delete} for it. A key with no
 * TTL stays until deleted.
 *
 * <p>All methods block, are thread-safe, and throw {@link StoreException} (naming the endpoint)
 * when the store cannot be reached after the implementation's retries. Keys and values must not be
 * null.
 */
public interface Store extends AutoCloseable {

    /** A short description of where the store is, for messages: {@code file:/var/lib/…} or {@code etcd://…}. */
    String endpoint();

    Optional<KeyValue> get(String key);

    /** All keys that start with {@code prefix}, sorted by key, read at one revision. */
    ListResult list(String prefix);

    /**
     * Like {@link #list(String)}; with {@code withExpiry} false the store may skip looking up when
     * each TTL lapses (etcd needs one extra request per lease for that) and report a key that has a
     * TTL with {@link KeyValue#UNKNOWN_EXPIRY}. Keys without a TTL still have a null expiry.
     */
    default ListResult list(String prefix, boolean withExpiry) {
        return list(prefix);
    }

    /**
     * Writes unconditionally.
     *
     * @param ttl null for no expiry
     * @return the new revision
     */
    long put(String key, String value, Duration ttl);

    /**
     * Writes only if {@code key} is absent. Atomic: of several concurrent creates of one key,
     * exactly one succeeds.
     *
     * @return the new revision, or empty if the key already existed
     */
    OptionalLong create(String key, String value, Duration ttl);

    /**
     * Writes only if the key's current modification revision is {@code expectedModRevision}.
     *
     * @return the new revision, or empty if the key is absent or was changed since
     */
    OptionalLong compareAndSet(String key, long expectedModRevision, String value, Duration ttl);

    /** Deletes if present. @return whether a key was deleted */
    boolean delete(String key);

    /** Deletes only if the key's modification revision is {@code expectedModRevision}. */
    boolean compareAndDelete(String key, long expectedModRevision);

    /**
     * Restarts the key's TTL from now, with the duration it was written with, without changing
     * its value or revision.
     *
     * @return false if the key is absent or has no TTL
     */
    boolean keepAlive(String key);

    /**
     * Watches keys under {@code prefix} for changes after {@code afterRevision}. Events come in
     * order on a thread of the store's. If the history after {@code afterRevision} is no longer
     * available (compaction) or the connection was lost, the watch re-lists and calls
     * {@link WatchListener#onReset}, then continues from the snapshot's revision.
     */
    Watch watch(String prefix, long afterRevision, WatchListener listener);

    @Override
    void close();
}

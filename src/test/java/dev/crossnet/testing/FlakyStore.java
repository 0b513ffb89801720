package dev.crossnet.testing;

import dev.crossnet.store.KeyValue;
import dev.crossnet.store.ListResult;
import dev.crossnet.store.Store;
import dev.crossnet.store.StoreException;
import dev.crossnet.store.Watch;
import dev.crossnet.store.WatchListener;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A {@link Store} that can be made unreachable: while {@link #down} is set, every call throws
 * {@link StoreException}, as a store behind a broken network would after its retries. Otherwise
 * calls go to the real store underneath. Watches stay on the real store (a real watch reconnects
 * and catches up once the store is back). Thread-safe.
 */
public final class FlakyStore implements Store {
    private final Store real;
    private volatile boolean down;

    public FlakyStore(Store real) {
        this.real = real;
    }

    /** Makes every call fail ({@code true}) or reach the store again ({@code false}). */
    public void down(boolean down) {
        this.down = down;
    }

    private void check() {
        if (down) {
            throw new StoreException("cannot reach " + real.endpoint() + ": connection refused (test)");
        }
    }

    @Override
    public String endpoint() {
        return real.endpoint();
    }

    @Override
    public Optional<KeyValue> get(String key) {
        check();
        return real.get(key);
    }

    @Override
    public ListResult list(String prefix) {
        check();
        return real.list(prefix);
    }

    @Override
    public ListResult list(String prefix, boolean withExpiry) {
        check();
        return real.list(prefix, withExpiry);
    }

    @Override
    public long put(String key, String value, Duration ttl) {
        check();
        return real.put(key, value, ttl);
    }

    @Override
    public OptionalLong create(String key, String value, Duration ttl) {
        check();
        return real.create(key, value, ttl);
    }

    @Override
    public OptionalLong compareAndSet(String key, long expectedModRevision, String value, Duration ttl) {
        check();
        return real.compareAndSet(key, expectedModRevision, value, ttl);
    }

    @Override
    public boolean delete(String key) {
        check();
        return real.delete(key);
    }

    @Override
    public boolean compareAndDelete(String key, long expectedModRevision) {
        check();
        return real.compareAndDelete(key, expectedModRevision);
    }

    @Override
    public boolean keepAlive(String key) {
        check();
        return real.keepAlive(key);
    }

    @Override
    public Watch watch(String prefix, long afterRevision, WatchListener listener) {
        check();
        return real.watch(prefix, afterRevision, listener);
    }

    @Override
    public void close() {
        real.close();
    }
}

package dev.crossnet.kernel.linux;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The last parse of a listing, by what was listed (e.g. a device): a listing equal to last time's
 * (the same text of a tool's output, the same compact form of a netlink dump) gives the same
 * (immutable) result object without parsing it again. The kernel is still asked every time, so a
 * change behind our back (an entry deleted) is seen at once; only the building of 1000 unchanged
 * entries on every resync is saved, and callers can tell an unchanged listing by the identity of
 * its result. Thread-safe.
 *
 * @param <L> the listing; compared with {@link Object#equals}, and not changed after it is passed in
 * @param <T> the parsed result; immutable, since callers share it
 */
final class ParseCache<L, T> {
    /** Listings kept: a few per device and table; more (devices that came and went) start the cache afresh. */
    private static final int MAX_KEYS = 64;

    private final Map<String, Map.Entry<L, T>> last = new ConcurrentHashMap<>();

    /** {@code parser}'s result for {@code listing}, the listing of {@code key}; remembered until the next different one. */
    T parse(String key, L listing, Function<L, T> parser) {
        Map.Entry<L, T> e = last.get(key);
        if (e != null && Objects.equals(e.getKey(), listing)) {
            return e.getValue();
        }
        T value = parser.apply(listing);
        if (last.size() >= MAX_KEYS) {
            last.clear();
        }
        last.put(key, Map.entry(listing, value));
        return value;
    }
}

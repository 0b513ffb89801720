package dev.crossnet.kernel.linux;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The last parse of a listing, by what was listed (e.g. a device): a tool's output that is the same
 * text as last time gives the same (immutable) result object without parsing it again. The kernel
 * is still asked every time, so a change behind our back (an entry deleted) is seen at once; only
 * the parsing of 1000 unchanged entries on every resync is saved, and callers can tell an unchanged
 * listing by the identity of its result. Thread-safe.
 *
 * @param <T> the parsed result; immutable, since callers share it
 */
final class ParseCache<T> {
    /** Listings kept: a few per device and table; more (devices that came and went) start the cache afresh. */
    private static final int MAX_KEYS = 64;

    private final Map<String, Map.Entry<String, T>> last = new ConcurrentHashMap<>();

    /** {@code parser}'s result for {@code text}, the listing of {@code key}; remembered until the next different text. */
    T parse(String key, String text, Function<String, T> parser) {
        Map.Entry<String, T> e = last.get(key);
        if (e != null && e.getKey().equals(text)) {
            return e.getValue();
        }
        T value = parser.apply(text);
        if (last.size() >= MAX_KEYS) {
            last.clear();
        }
        last.put(key, Map.entry(text, value));
        return value;
    }
}

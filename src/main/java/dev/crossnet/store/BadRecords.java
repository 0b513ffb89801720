package dev.crossnet.store;

import dev.crossnet.CrossnetException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;

/**
 * Reads the records of a listing one by one, so that one bad record (not JSON, or JSON with a field
 * that makes no sense) is skipped instead of failing the whole listing for every reader on every
 * host. Each skipped record is logged once per version: again only when its key is written anew
 * (a new modification revision). Thread-safe.
 */
public final class BadRecords {

    private final Logger log;
    /** Skipped keys and the revision that was logged; only keys that are bad right now. */
    private final Map<String, Long> reported = new HashMap<>();

    public BadRecords(Logger log) {
        this.log = log;
    }

    /**
     * Reads each of {@code items}, all under {@code prefix}, with {@code read}; a record for which
     * it throws {@link CrossnetException} or {@link IllegalArgumentException} is skipped and
     * logged (once per version), and one for which it returns null is skipped silently.
     *
     * @return what read, in the listing's order
     */
    public <T> List<T> readEach(String prefix, List<KeyValue> items, Function<KeyValue, T> read) {
        List<T> out = new ArrayList<>();
        Set<String> bad = new HashSet<>();
        for (KeyValue kv : items) {
            try {
                T value = read.apply(kv);
                if (value != null) {
                    out.add(value);
                }
            } catch (CrossnetException | IllegalArgumentException e) {
                bad.add(kv.key());
                skip(kv, e.getMessage());
            }
        }
        synchronized (this) {
            // Keys under prefix that read well now, or are gone: a later bad version is news again.
            reported.keySet().removeIf(k -> k.startsWith(prefix) && !bad.contains(k));
        }
        return out;
    }

    /** Logs that {@code kv} was skipped because of {@code reason}, unless this version was logged already. */
    public void skip(KeyValue kv, String reason) {
        Long before;
        synchronized (this) {
            before = reported.put(kv.key(), kv.modRevision());
        }
        if (before == null || before != kv.modRevision()) {
            String self = "store key " + kv.key();
            String why = reason != null && reason.startsWith(self) ? reason.substring(self.length()).replaceFirst("^:? ", "") : reason;
            log.warn("skipping store key {} (revision {}): {}", kv.key(), kv.modRevision(), why);
        }
    }
}

package dev.crossnet.kernel.linux;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The last parse of a listing, by what was listed (e.g. a device): a listing equal to last time's
 * (the same text of a tool's output, the same compact form of a netlink dump) gives the same
 * (immutable) result object without parsing it again. The kernel is still asked every time, so a
 * change behind our back (an entry deleted) is seen at once; only the building of 1000 unchanged
 * entries on every resync is saved, and callers can tell an unchanged listing by the identity of
 * its result. Listings are compared by their SHA-256, so only the digest is kept, not the listing
 * (with 1000 peers, ~50 KiB of iptables-save text and ~30 KiB per netlink dump). Thread-safe.
 *
 * @param <L> the listing: a {@link ByteBuffer} (its remaining bytes, not consumed) or a {@link CharSequence}
 * @param <T> the parsed result; immutable, since callers share it
 */
final class ParseCache<L, T> {
    /** Listings kept: a few per device and table; more (devices that came and went) start the cache afresh. */
    private static final int MAX_KEYS = 64;

    private final Map<String, Parsed<T>> last = new ConcurrentHashMap<>();

    /** {@code parser}'s result for {@code listing}, the listing of {@code key}; remembered until the next different one. */
    T parse(String key, L listing, Function<L, T> parser) {
        byte[] digest = digest(listing);
        Parsed<T> e = last.get(key);
        if (e != null && Arrays.equals(e.digest(), digest)) {
            return e.value();
        }
        T value = parser.apply(listing);
        if (last.size() >= MAX_KEYS) {
            last.clear();
        }
        last.put(key, new Parsed<>(digest, value));
        return value;
    }

    private record Parsed<T>(byte[] digest, T value) {
    }

    static byte[] digest(Object listing) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
        if (listing instanceof ByteBuffer b) {
            md.update(b.duplicate());
        } else if (listing instanceof CharSequence s) {
            md.update(s.toString().getBytes(StandardCharsets.UTF_8));
        } else {
            throw new IllegalArgumentException("a listing is a ByteBuffer or text, not " + listing.getClass().getName());
        }
        return md.digest();
    }
}

package dev.crossnet.seal;

import java.util.HashMap;
import java.util.Map;

/**
 * A token bucket per source address bounding the handshake initiations we process: each source
 * gets {@code perSecond} tokens a second, holding at most {@code perSecond}. Checked before any
 * Diffie-Hellman, so a flood costs a map lookup per packet. Thread-safe (one monitor; initiations
 * are rare). Forgets all sources when it tracks more than {@value #MAX_SOURCES}.
 */
final class HandshakeRate {
    static final int MAX_SOURCES = 4096;
    private static final long SECOND = 1_000_000_000L;

    private final int perSecond;
    private final Map<Long, long[]> buckets = new HashMap<>(); // {tokens scaled by SECOND, last refill nanos}

    HandshakeRate(int perSecond) {
        this.perSecond = perSecond;
    }

    /** Takes one token for {@code source} at {@code nowNanos}; false if its bucket is empty. */
    synchronized boolean tryAcquire(long source, long nowNanos) {
        if (buckets.size() > MAX_SOURCES) {
            buckets.clear();
        }
        long capacity = perSecond * SECOND;
        long[] b = buckets.computeIfAbsent(source, s -> new long[] {capacity, nowNanos});
        long elapsed = Math.max(0, nowNanos - b[1]);
        b[0] = Math.min(capacity, b[0] + Math.min(elapsed, SECOND) * perSecond);
        b[1] = nowNanos;
        if (b[0] < SECOND) {
            return false;
        }
        b[0] -= SECOND;
        return true;
    }
}

package dev.crossnet;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * When to try a failed thing again: after {@code initial}, then twice as long after each further
 * failure, never longer than {@code max}; a success starts over. Time comes from the injected
 * {@link Clock}, so callers are tested with a fake one. Driven by the caller, who asks {@link #due()}
 * and reports {@link #failed()} or {@link #succeeded()}; nothing here sleeps. Not thread-safe: one
 * thread owns it.
 */
public final class Backoff {
    private final Duration initial;
    private final Duration max;
    private final Clock clock;
    private int failures;
    private Instant retryAt;

    public Backoff(Duration initial, Duration max, Clock clock) {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < initial <= max, got " + initial + " and " + max);
        }
        this.initial = initial;
        this.max = max;
        this.clock = clock;
    }

    /** Records a failure now. @return when to try again */
    public Instant failed() {
        Duration wait = initial;
        for (int i = 0; i < failures && wait.compareTo(max) < 0; i++) {
            wait = wait.multipliedBy(2);
        }
        if (wait.compareTo(max) > 0) {
            wait = max;
        }
        failures++;
        retryAt = clock.instant().plus(wait);
        return retryAt;
    }

    /** Records a success: the next failure waits {@code initial} again. */
    public void succeeded() {
        failures = 0;
        retryAt = null;
    }

    /** Whether an attempt may be made now: nothing failed yet, or the wait after the last failure is over. */
    public boolean due() {
        return retryAt == null || !clock.instant().isBefore(retryAt);
    }

    /** When the next attempt is due, or null if nothing has failed since the last success. */
    public Instant retryAt() {
        return retryAt;
    }

    /** Failures since the last success. */
    public int failures() {
        return failures;
    }

    /** The longest wait. */
    public Duration max() {
        return max;
    }
}

package dev.crossnet.metrics;

import java.util.concurrent.atomic.LongAdder;

/** A monotonically increasing count. Thread-safe; {@link #add} neither locks nor allocates. */
public final class Counter {
    private final LongAdder value = new LongAdder();

    public void inc() {
        value.increment();
    }

    /** Adds {@code n} (must be non-negative). */
    public void add(long n) {
        value.add(n);
    }

    public long get() {
        return value.sum();
    }
}

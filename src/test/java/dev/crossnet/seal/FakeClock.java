package dev.crossnet.seal;

import java.time.Duration;
import java.time.Instant;

/** A {@link SealClock} that moves only when told; both of its clocks move together. */
final class FakeClock implements SealClock {
    private long nanos = 1_000_000_000L;
    private Instant wall = Instant.now();

    @Override
    public synchronized long nanoTime() {
        return nanos;
    }

    @Override
    public synchronized Instant now() {
        return wall;
    }

    synchronized void advance(Duration d) {
        nanos += d.toNanos();
        wall = wall.plus(d);
    }
}

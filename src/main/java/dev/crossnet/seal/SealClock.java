package dev.crossnet.seal;

import java.time.Instant;

/** Time for the sealed datapath: a monotonic clock for key ages and rates, a wall clock for certificates. */
public interface SealClock {
    /** Monotonic nanoseconds, as {@link System#nanoTime()}. */
    long nanoTime();

    /** Wall-clock time, for certificate validity and initiation timestamps (which must survive a restart). */
    Instant now();

    SealClock SYSTEM = new SealClock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public Instant now() {
            return Instant.now();
        }
    };
}

package dev.crossnet.seal;

/**
 * The set of transport counters already accepted under one receive key, as a sliding bitmap
 * (RFC 6479's ring of words, as wireguard-go keeps it). A counter is accepted once, and only while
 * it is within {@value #SIZE} of the highest counter accepted so far: {@code highest - c < SIZE}.
 * Counters at or above {@code limit} are never accepted. {@link #accept} is called only after the
 * packet's tag has verified, so a forged counter cannot move the window.
 *
 * <p>Thread-safe (a monitor per window; receive threads of one peer rarely contend). No
 * allocation after construction.
 */
public final class ReplayWindow {
    private static final int BLOCK_BITS = 64;
    private static final int BLOCKS = 256; // a power of two, so the ring index is a mask
    /** Counters accepted behind the highest: 255 whole words = 16320, at least the 8192 asked for. */
    public static final long SIZE = (long) (BLOCKS - 1) * BLOCK_BITS;

    private final long[] ring = new long[BLOCKS];
    private final long limit;
    private long highest = -1;

    /** A window that refuses counters {@code >= limit} (and negative ones). */
    public ReplayWindow(long limit) {
        this.limit = limit;
    }

    /**
     * Marks {@code counter} as seen and returns true if it was neither seen before nor too old;
     * returns false (and changes nothing) otherwise.
     */
    public synchronized boolean accept(long counter) {
        if (counter < 0 || counter >= limit) {
            return false;
        }
        if (counter > highest) {
            long from = highest < 0 ? 0 : (highest >>> 6) + 1;
            long to = counter >>> 6;
            // Clear the words the window slides over; after BLOCKS of them the whole ring is clear.
            for (long b = from, n = 0; b <= to && n < BLOCKS; b++, n++) {
                ring[(int) (b & (BLOCKS - 1))] = 0;
            }
            highest = counter;
        } else if (highest - counter >= SIZE) {
            return false;
        }
        int index = (int) ((counter >>> 6) & (BLOCKS - 1));
        long bit = 1L << (counter & (BLOCK_BITS - 1));
        if ((ring[index] & bit) != 0) {
            return false;
        }
        ring[index] |= bit;
        return true;
    }

    /** The highest counter accepted so far, or -1. */
    public synchronized long highest() {
        return highest;
    }
}

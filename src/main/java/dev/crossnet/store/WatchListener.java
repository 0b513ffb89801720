package dev.crossnet.store;

import java.util.List;

/**
 * Receives a watch's output. Calls for one watch come from one thread, in revision order, never
 * concurrently.
 */
public interface WatchListener {

    /** Changes after the previous call, in revision order; {@code revision} is the newest seen. */
    void onEvents(List<WatchEvent> events, long revision);

    /**
     * The watch fell behind (the store compacted the history it needed, or it reconnected) and
     * re-listed: {@code snapshot} replaces everything seen so far. Never trust a watch to be gap-free.
     */
    void onReset(ListResult snapshot);

    /** The store could not be reached; the watch keeps retrying and calls {@link #onReset} once it recovers. */
    default void onError(Exception e) {
    }
}

package dev.crossnet.dashboard;

/** One open event stream, as {@link StatusEvents} sees it. */
interface EventSink {
    /**
     * Queues {@code frame} (already framed text) without blocking. A sink may drop a frame that a
     * newer one replaces before it went out: only the latest document matters.
     *
     * @return false once the stream is closed (the client went away); the feed then forgets it
     */
    boolean offer(String frame);
}

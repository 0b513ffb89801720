package dev.crossnet.dashboard;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * An {@link EventSink} on one Jetty response that stays open. Jetty allows one write at a time, so
 * a frame offered while another is being written waits, and a later one replaces it (the feed only
 * ever sends whole documents and pings). The first failed write closes the stream and completes the
 * request. Thread-safe.
 */
final class SseStream implements EventSink {
    private final Response response;
    private final Callback done;
    private boolean writing; // guarded by this
    private String pending; // guarded by this
    private boolean closed; // guarded by this

    /** @param done the request's callback, completed when the stream ends */
    SseStream(Response response, Callback done) {
        this.response = response;
        this.done = done;
    }

    @Override
    public boolean offer(String frame) {
        synchronized (this) {
            if (closed) {
                return false;
            }
            if (writing) {
                pending = frame;
                return true;
            }
            writing = true;
        }
        write(frame);
        return true;
    }

    /** Ends the stream from our side (the client went away, or the server stops). Idempotent. */
    void fail(Throwable why) {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            pending = null;
        }
        done.failed(why);
    }

    private void write(String frame) {
        response.write(false, ByteBuffer.wrap(frame.getBytes(StandardCharsets.UTF_8)), Callback.from(this::written, this::fail));
    }

    private void written() {
        String next;
        synchronized (this) {
            next = pending;
            pending = null;
            if (next == null || closed) {
                writing = false;
                return;
            }
        }
        write(next);
    }
}

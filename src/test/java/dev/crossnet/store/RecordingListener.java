package dev.crossnet.store;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link WatchListener} that records everything it is told, and fails loudly if two calls ever
 * overlap (the contract says one thread at a time, in order).
 */
public final class RecordingListener implements WatchListener {
    private final List<Object> calls = new ArrayList<>();
    private final AtomicBoolean inCall = new AtomicBoolean();
    private volatile String overlap;

    @Override
    public void onEvents(List<WatchEvent> events, long revision) {
        record(new Events(List.copyOf(events), revision));
    }

    @Override
    public void onReset(ListResult snapshot) {
        record(snapshot);
    }

    @Override
    public void onError(Exception e) {
        record(e);
    }

    private void record(Object o) {
        if (!inCall.compareAndSet(false, true)) {
            overlap = "concurrent listener calls at " + o;
        }
        try {
            synchronized (calls) {
                calls.add(o);
            }
        } finally {
            inCall.set(false);
        }
    }

    public record Events(List<WatchEvent> events, long revision) {
    }

    /** Every event received so far, flattened, in delivery order. */
    public List<WatchEvent> events() {
        List<WatchEvent> out = new ArrayList<>();
        for (Object o : calls()) {
            if (o instanceof Events e) {
                out.addAll(e.events());
            }
        }
        return out;
    }

    public List<ListResult> resets() {
        return calls().stream().filter(ListResult.class::isInstance).map(ListResult.class::cast).toList();
    }

    public List<Object> calls() {
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }

    /** Null unless two calls overlapped. */
    public String overlap() {
        return overlap;
    }
}

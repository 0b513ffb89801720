package dev.crossnet.docker.sealed;

import dev.crossnet.metrics.MetricFamilies;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** The encrypted datapath's frame counters ({@value SealedDatapath#DROPS}, {@value SealedDatapath#FRAMES}). Thread-safe. */
final class FrameCounters {
    private final CounterDataPoint[] drops = new CounterDataPoint[FrameDrop.values().length];
    private final CounterDataPoint sent;
    private final CounterDataPoint received;

    FrameCounters(PrometheusRegistry metrics) {
        Counter d = MetricFamilies.counter(metrics, SealedDatapath.DROPS, "Frames the encrypted Docker datapath dropped, by reason.",
                "reason");
        for (FrameDrop r : FrameDrop.values()) {
            drops[r.ordinal()] = d.labelValues(r.label());
        }
        Counter f = MetricFamilies.counter(metrics, SealedDatapath.FRAMES, "Frames of encrypted Docker networks sealed and sent, or"
                + " opened, checked and delivered.", "direction");
        sent = f.labelValues("sent");
        received = f.labelValues("received");
    }

    void drop(FrameDrop reason) {
        drops[reason.ordinal()].inc();
    }

    long drops(FrameDrop reason) {
        return drops[reason.ordinal()].getLongValue();
    }

    /** Frames sealed and handed to the socket (each segment of a split super-frame counts). */
    void sent(int frames) {
        sent.inc(frames);
    }

    void received() {
        received.inc();
    }
}

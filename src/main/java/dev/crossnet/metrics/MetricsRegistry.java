package dev.crossnet.metrics;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.DoubleSupplier;
import java.util.regex.Pattern;

/**
 * Named counter families and gauges, rendered together in the Prometheus text format (version 0.0.4).
 * Thread-safe. Families are sorted by name and series by label values, so output is stable.
 */
public final class MetricsRegistry {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    private final Map<String, Family> families = new ConcurrentSkipListMap<>();

    /**
     * The counter family {@code name}, created on first call. Idempotent: a second call with the
     * same label names returns the same family.
     *
     * @throws IllegalArgumentException when a name is not a valid Prometheus name, or the family
     *                                  exists with other label names or as a gauge
     */
    public CounterFamily counter(String name, String help, String... labelNames) {
        checkName(name);
        for (String l : labelNames) {
            if (!LABEL.matcher(l).matches() || l.startsWith("__")) {
                throw new IllegalArgumentException("invalid label name for " + name + ": " + l);
            }
        }
        List<String> labels = List.of(labelNames);
        Family f = families.computeIfAbsent(name, n -> new CounterFamily(n, help, labels));
        if (!(f instanceof CounterFamily c)) {
            throw new IllegalArgumentException(name + " is already registered as a gauge");
        }
        if (!c.labelNames().equals(labels)) {
            throw new IllegalArgumentException(name + " already registered with labels " + c.labelNames());
        }
        return c;
    }

    /**
     * Registers the gauge {@code name}, read from {@code value} at each {@link #render()}. A second
     * registration under the same name replaces the first (a restarted component re-registers).
     *
     * @throws IllegalArgumentException when the name is invalid or taken by a counter family
     */
    public Gauge gauge(String name, String help, DoubleSupplier value) {
        checkName(name);
        Gauge g = new Gauge(name, help, value);
        Family old = families.put(name, g);
        if (old instanceof CounterFamily) {
            families.put(name, old);
            throw new IllegalArgumentException(name + " is already registered as a counter");
        }
        return g;
    }

    private static void checkName(String name) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid metric name: " + name);
        }
    }

    /** All families in the Prometheus text exposition format. */
    public String render() {
        StringBuilder out = new StringBuilder();
        for (Family f : families.values()) {
            f.render(out);
        }
        return out.toString();
    }
}

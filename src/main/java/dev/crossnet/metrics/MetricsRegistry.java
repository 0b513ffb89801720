package dev.crossnet.metrics;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.regex.Pattern;

/**
 * Named counter families, rendered together in the Prometheus text format (version 0.0.4).
 * Thread-safe. Families are sorted by name and series by label values, so output is stable.
 */
public final class MetricsRegistry {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    private final Map<String, CounterFamily> families = new ConcurrentSkipListMap<>();

    /**
     * The counter family {@code name}, created on first call. Idempotent: a second call with the
     * same label names returns the same family.
     *
     * @throws IllegalArgumentException when a name is not a valid Prometheus name, or the family
     *                                  exists with other label names
     */
    public CounterFamily counter(String name, String help, String... labelNames) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid metric name: " + name);
        }
        for (String l : labelNames) {
            if (!LABEL.matcher(l).matches() || l.startsWith("__")) {
                throw new IllegalArgumentException("invalid label name for " + name + ": " + l);
            }
        }
        List<String> labels = List.of(labelNames);
        CounterFamily f = families.computeIfAbsent(name, n -> new CounterFamily(n, help, labels));
        if (!f.labelNames().equals(labels)) {
            throw new IllegalArgumentException(name + " already registered with labels " + f.labelNames());
        }
        return f;
    }

    /** All families in the Prometheus text exposition format. */
    public String render() {
        StringBuilder out = new StringBuilder();
        for (CounterFamily f : families.values()) {
            f.render(out);
        }
        return out.toString();
    }
}

package dev.crossnet.metrics;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Counters sharing a name and label names, one per distinct label-value tuple. Thread-safe. Look
 * counters up once and keep them: {@link #labels} allocates.
 */
public final class CounterFamily implements Family {
    private final String name;
    private final String help;
    private final List<String> labelNames;
    private final Map<List<String>, Counter> series = new ConcurrentSkipListMap<>(CounterFamily::compare);

    CounterFamily(String name, String help, List<String> labelNames) {
        this.name = name;
        this.help = help;
        this.labelNames = labelNames;
    }

    @Override
    public String name() {
        return name;
    }

    public List<String> labelNames() {
        return labelNames;
    }

    /** The counter for these label values, created at zero on first use. Idempotent. */
    public Counter labels(String... values) {
        return series.computeIfAbsent(key(values), k -> new Counter());
    }

    /** Forgets the series for these label values (e.g. a peer that left). Idempotent. */
    public void remove(String... values) {
        series.remove(key(values));
    }

    private List<String> key(String... values) {
        if (values.length != labelNames.size()) {
            throw new IllegalArgumentException(name + " takes labels " + labelNames + ", got " + values.length + " values");
        }
        return List.of(values);
    }

    @Override
    public void render(StringBuilder out) {
        out.append("# HELP ").append(name).append(' ').append(Family.escapeHelp(help)).append('\n');
        out.append("# TYPE ").append(name).append(" counter\n");
        for (Map.Entry<List<String>, Counter> e : series.entrySet()) {
            out.append(name);
            List<String> values = e.getKey();
            if (!values.isEmpty()) {
                out.append('{');
                for (int i = 0; i < values.size(); i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    out.append(labelNames.get(i)).append("=\"").append(escape(values.get(i))).append('"');
                }
                out.append('}');
            }
            out.append(' ').append(e.getValue().get()).append('\n');
        }
    }

    private static String escape(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static int compare(List<String> a, List<String> b) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = a.get(i).compareTo(b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    }
}

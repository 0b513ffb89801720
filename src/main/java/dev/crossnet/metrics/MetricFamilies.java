package dev.crossnet.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.DoubleSupplier;

/**
 * Registers crossnet's Prometheus collectors so that components may ask for a family more than once.
 * A {@link PrometheusRegistry} refuses a second collector under a name it holds, while several
 * components share one family ({@link ReconcileErrors}) and a component may be built again in the
 * same process (a udp network registered anew): here the first {@link #counter} call per registry
 * and name registers, later ones get the same collector back. Thread-safe.
 */
public final class MetricFamilies {
    private record Registered(Object collector, List<String> labelNames) {
    }

    private static final Map<PrometheusRegistry, Map<String, Registered>> BY_REGISTRY = new WeakHashMap<>();

    private MetricFamilies() {
    }

    /**
     * The counter {@code name} in {@code registry}, registered on first call. Idempotent. Exemplars
     * are off: the udp datapath increments these per batch and has no trace to link to.
     *
     * @throws IllegalArgumentException when the Prometheus client refuses a name, or the family exists
     *                                  with other label names or as a gauge
     */
    public static Counter counter(PrometheusRegistry registry, String name, String help, String... labelNames) {
        synchronized (BY_REGISTRY) {
            Map<String, Registered> families = BY_REGISTRY.computeIfAbsent(registry, r -> new HashMap<>());
            Registered known = families.get(name);
            if (known != null) {
                if (!(known.collector() instanceof Counter c)) {
                    throw new IllegalArgumentException(name + " is already registered as a gauge");
                }
                if (!known.labelNames().equals(List.of(labelNames))) {
                    throw new IllegalArgumentException(name + " already registered with labels " + known.labelNames());
                }
                return c;
            }
            Counter c = (Counter) Counter.builder().name(name).help(help).labelNames(labelNames).withoutExemplars().build();
            registry.register(c);
            families.put(name, new Registered(c, List.of(labelNames)));
            return c;
        }
    }

    /**
     * Registers the gauge {@code name}, read from {@code value} at each scrape. A second call under the
     * same name replaces the first (a component built again reports its own state).
     *
     * @throws IllegalArgumentException when the name is invalid or taken by a counter
     */
    public static void gauge(PrometheusRegistry registry, String name, String help, DoubleSupplier value) {
        synchronized (BY_REGISTRY) {
            Map<String, Registered> families = BY_REGISTRY.computeIfAbsent(registry, r -> new HashMap<>());
            Registered known = families.get(name);
            if (known != null) {
                if (!(known.collector() instanceof GaugeWithCallback old)) {
                    throw new IllegalArgumentException(name + " is already registered as a counter");
                }
                registry.unregister(old);
            }
            GaugeWithCallback g = GaugeWithCallback.builder().name(name).help(help)
                    .callback(cb -> cb.call(value.getAsDouble())).register(registry);
            families.put(name, new Registered(g, List.of()));
        }
    }

    /** Everything in {@code registry} in the Prometheus text format (0.0.4), as {@code /metrics} serves it. */
    public static String text(PrometheusRegistry registry) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}

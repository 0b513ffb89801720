package dev.crossnet.bench;

import java.util.Arrays;
import java.util.Locale;

/** Min / median / percentiles / max of a sample. */
public record Stats(double min, double median, double p99, double max, int n) {

    public static Stats of(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        if (v.length == 0) {
            return new Stats(Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0);
        }
        return new Stats(v[0], v[v.length / 2], v[Math.min(v.length - 1, (int) Math.ceil(v.length * 0.99) - 1)],
                v[v.length - 1], v.length);
    }

    public String format(String unit) {
        return String.format(Locale.ROOT, "min %.2f / median %.2f / p99 %.2f / max %.2f %s (n=%d)",
                min, median, p99, max, unit, n);
    }
}

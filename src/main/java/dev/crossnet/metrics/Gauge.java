package dev.crossnet.metrics;

import java.math.BigDecimal;
import java.util.function.DoubleSupplier;

/**
 * A value that goes up and down (peers programmed, the time of the last resync), read from its
 * owner when the registry renders. The supplier must be thread-safe and cheap; it is never called
 * on a hot path.
 */
public final class Gauge implements Family {
    private final String name;
    private final String help;
    private final DoubleSupplier value;

    Gauge(String name, String help, DoubleSupplier value) {
        this.name = name;
        this.help = help;
        this.value = value;
    }

    @Override
    public String name() {
        return name;
    }

    public double get() {
        return value.getAsDouble();
    }

    @Override
    public void render(StringBuilder out) {
        out.append("# HELP ").append(name).append(' ').append(Family.escapeHelp(help)).append('\n');
        out.append("# TYPE ").append(name).append(" gauge\n");
        out.append(name).append(' ').append(format(get())).append('\n');
    }

    /** Plain decimal, no exponent: {@code 1767225600.25}, {@code 3}, {@code NaN}. */
    static String format(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }
}

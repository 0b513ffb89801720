package dev.crossnet.metrics;

/** One named metric family in a {@link MetricsRegistry}: counters or a gauge. */
interface Family {
    String name();

    /** Appends this family in the Prometheus text format. */
    void render(StringBuilder out);

    /** {@code help} with Prometheus' escapes for HELP lines. */
    static String escapeHelp(String help) {
        return help.replace("\\", "\\\\").replace("\n", "\\n");
    }
}

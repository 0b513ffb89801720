/**
 * A tiny metrics registry: labelled counters that hot paths increment without locking or
 * allocating, and gauges read from their owner at render time, in the Prometheus text exposition
 * format. No HTTP server lives here; the agent serves {@link dev.crossnet.metrics.MetricsRegistry#render()}.
 */
package dev.crossnet.metrics;

/**
 * crossnet's metric families on the Prometheus Java client: {@link dev.crossnet.metrics.MetricFamilies}
 * registers collectors once per {@link io.prometheus.metrics.model.registry.PrometheusRegistry}, and
 * families shared by several components ({@link dev.crossnet.metrics.ReconcileErrors}) live here. No
 * registry of our own and no exposition code: the client does both; the agent serves {@code /metrics}.
 */
package dev.crossnet.metrics;

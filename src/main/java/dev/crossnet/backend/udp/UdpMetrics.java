package dev.crossnet.backend.udp;

import dev.crossnet.metrics.MetricFamilies;
import dev.crossnet.metrics.ReconcileErrors;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The udp backend's counter families, labelled by peer subnet. Drops that belong to no peer (an
 * unknown source, a destination no peer holds) use the peer label {@value #NO_PEER}.
 */
final class UdpMetrics {
    static final String NO_PEER = "none";

    final Counter rxPackets;
    final Counter rxBytes;
    final Counter txPackets;
    final Counter txBytes;
    final Counter drops;
    private final CounterDataPoint[] noPeerDrops;
    private final CounterDataPoint datapathFailures;

    UdpMetrics(PrometheusRegistry registry) {
        rxPackets = MetricFamilies.counter(registry, "crossnet_udp_rx_packets_total", "Packets received from a peer and written to the TUN device.", "peer");
        rxBytes = MetricFamilies.counter(registry, "crossnet_udp_rx_bytes_total", "Bytes of inner IP packets received from a peer and written to the TUN device.", "peer");
        txPackets = MetricFamilies.counter(registry, "crossnet_udp_tx_packets_total", "Packets read from the TUN device and sent to a peer.", "peer");
        txBytes = MetricFamilies.counter(registry, "crossnet_udp_tx_bytes_total", "Bytes of inner IP packets read from the TUN device and sent to a peer.", "peer");
        drops = MetricFamilies.counter(registry, "crossnet_udp_drops_total", "Packets dropped by the udp datapath, by peer and reason.", "peer", "reason");
        noPeerDrops = dropCounters(NO_PEER);
        datapathFailures = ReconcileErrors.in(registry).labelValues(ReconcileErrors.DATAPATH);
    }

    /** Counts a datapath loop that died or a restart that failed. */
    void datapathFailure() {
        datapathFailures.inc();
    }

    CounterDataPoint[] dropCounters(String peer) {
        DropReason[] reasons = DropReason.values();
        CounterDataPoint[] c = new CounterDataPoint[reasons.length];
        for (DropReason r : reasons) {
            c[r.ordinal()] = drops.labelValues(peer, r.label());
        }
        return c;
    }

    CounterDataPoint noPeerDrops(DropReason reason) {
        return noPeerDrops[reason.ordinal()];
    }

    /** Forgets a departed peer's series. */
    void forget(String peer) {
        rxPackets.remove(peer);
        rxBytes.remove(peer);
        txPackets.remove(peer);
        txBytes.remove(peer);
        for (DropReason r : DropReason.values()) {
            drops.remove(peer, r.label());
        }
    }
}

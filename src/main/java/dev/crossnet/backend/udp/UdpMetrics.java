package dev.crossnet.backend.udp;

import dev.crossnet.metrics.Counter;
import dev.crossnet.metrics.CounterFamily;
import dev.crossnet.metrics.MetricsRegistry;
import dev.crossnet.metrics.ReconcileErrors;

/**
 * The udp backend's counter families, labelled by peer subnet. Drops that belong to no peer (an
 * unknown source, a destination no peer holds) use the peer label {@value #NO_PEER}.
 */
final class UdpMetrics {
    static final String NO_PEER = "none";

    final CounterFamily rxPackets;
    final CounterFamily rxBytes;
    final CounterFamily txPackets;
    final CounterFamily txBytes;
    final CounterFamily drops;
    private final Counter[] noPeerDrops;
    private final Counter datapathFailures;

    UdpMetrics(MetricsRegistry registry) {
        rxPackets = registry.counter("crossnet_udp_rx_packets_total", "Packets received from a peer and written to the TUN device.", "peer");
        rxBytes = registry.counter("crossnet_udp_rx_bytes_total", "Bytes of inner IP packets received from a peer and written to the TUN device.", "peer");
        txPackets = registry.counter("crossnet_udp_tx_packets_total", "Packets read from the TUN device and sent to a peer.", "peer");
        txBytes = registry.counter("crossnet_udp_tx_bytes_total", "Bytes of inner IP packets read from the TUN device and sent to a peer.", "peer");
        drops = registry.counter("crossnet_udp_drops_total", "Packets dropped by the udp datapath, by peer and reason.", "peer", "reason");
        noPeerDrops = dropCounters(NO_PEER);
        datapathFailures = ReconcileErrors.in(registry).labels(ReconcileErrors.DATAPATH);
    }

    /** Counts a datapath loop that died or a restart that failed. */
    void datapathFailure() {
        datapathFailures.inc();
    }

    Counter[] dropCounters(String peer) {
        DropReason[] reasons = DropReason.values();
        Counter[] c = new Counter[reasons.length];
        for (DropReason r : reasons) {
            c[r.ordinal()] = drops.labels(peer, r.label());
        }
        return c;
    }

    Counter noPeerDrops(DropReason reason) {
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

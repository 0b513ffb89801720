package dev.crossnet.backend.udp;

import dev.crossnet.model.Subnet;
import dev.crossnet.seal.Tunnel;
import dev.crossnet.udp.Endpoints;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;

/**
 * One forwarding-table entry: a peer's subnet, the UDP endpoint that serves it, its counters and,
 * on an encrypted network, its sealed {@link Tunnel} (null when its certificate is missing or does
 * not verify: it then gets no traffic). Immutable apart from the counters, which are thread-safe.
 */
final class Peer {
    final Subnet subnet;
    final int network;
    final int prefixLength;
    final long endpoint;
    final CounterDataPoint rxPackets;
    final CounterDataPoint rxBytes;
    final CounterDataPoint txPackets;
    final CounterDataPoint txBytes;
    private final CounterDataPoint[] drops;
    final Tunnel tunnel;

    Peer(Subnet subnet, long endpoint, UdpMetrics metrics) {
        this(subnet, endpoint, metrics, null);
    }

    Peer(Subnet subnet, long endpoint, UdpMetrics metrics, Tunnel tunnel) {
        this.tunnel = tunnel;
        this.subnet = subnet;
        this.network = Endpoints.ipv4(subnet.network());
        this.prefixLength = subnet.prefixLength();
        this.endpoint = endpoint;
        String label = subnet.toString();
        this.rxPackets = metrics.rxPackets.labelValues(label);
        this.rxBytes = metrics.rxBytes.labelValues(label);
        this.txPackets = metrics.txPackets.labelValues(label);
        this.txBytes = metrics.txBytes.labelValues(label);
        this.drops = metrics.dropCounters(label);
    }

    CounterDataPoint drops(DropReason reason) {
        return drops[reason.ordinal()];
    }

    boolean contains(int address) {
        return prefixLength == 0 || ((address ^ network) >>> (32 - prefixLength)) == 0;
    }

    @Override
    public String toString() {
        return subnet + " via " + Endpoints.toString(endpoint);
    }
}

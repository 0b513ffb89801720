package dev.crossnet.agent;

import dev.crossnet.kernel.Chain;
import dev.crossnet.kernel.FirewallRules;
import dev.crossnet.kernel.Kernel;
import dev.crossnet.metrics.MetricFamilies;
import dev.crossnet.model.BackendConfig;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.model.Subnet;
import dev.crossnet.reconcile.Memo;
import inet.ipaddr.IPAddress;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link HostRules} through the kernel's sysctl and firewall verbs: one read of each iptables table
 * when all is right. The encapsulation filters' drop counters (this network's {@link Chain#INPUT}
 * and the Docker networks' {@link Chain#DOCKER_INPUT}, read in the same pass) are exported as
 * {@value #DROPPED} by port. The chains' rules are built again only when an argument changed (the
 * peers by identity: the agent hands over the same set until the store changes), so an idle resync
 * of 1000 peers formats no rule. Called from one thread.
 */
public final class KernelHostRules implements HostRules {

    static final String DROPPED = "crossnet_encap_dropped_packets_total";
    private static final Pattern DROP = Pattern.compile("-p udp -m udp --dport (\\d+) -j DROP");

    private final Kernel kernel;
    private final Counter dropped;
    private final Map<String, Long> lastRead = new HashMap<>();
    /** The chains for the last arguments: the same map (and lists) while nothing changed. */
    private final Memo<Map<Chain, List<String>>> chains = new Memo<>();

    public KernelHostRules(Kernel kernel, PrometheusRegistry metrics) {
        this.kernel = kernel;
        this.dropped = MetricFamilies.counter(metrics, DROPPED, "UDP datagrams to an encapsulation port from an address that is no"
                + " peer's, dropped by the CROSSNET-INPUT and CROSSNET-DOCKER-IN iptables chains", "port");
    }

    @Override
    public void ensure(NetworkConfig config, Subnet own, boolean ipMasq, Collection<IPAddress> peers) {
        kernel.sysctl().ensureIpForwarding();
        countDrops(kernel.firewall().replaceChains(chains.get(List.of(peers), List.of(config, own, ipMasq),
                () -> chains(config, own, ipMasq, peers))));
    }

    private static Map<Chain, List<String>> chains(NetworkConfig config, Subnet own, boolean ipMasq, Collection<IPAddress> peers) {
        Map<Chain, List<String>> chains = new EnumMap<>(Chain.class);
        chains.put(Chain.FORWARD, FirewallRules.forward(config.network()));
        chains.put(Chain.INPUT, FirewallRules.encapsulationPeers(encapsulationPort(config.backend()), peers));
        // Turning --ip-masq off must not leave the old rules behind.
        chains.put(Chain.POSTROUTING, ipMasq ? FirewallRules.masquerade(config.network(), own) : List.of());
        return java.util.Collections.unmodifiableMap(chains);
    }

    /** The UDP port peers encapsulate to: vxlan's and udp's {@code Backend.Port}; 0 for host-gw, which has none. */
    static int encapsulationPort(BackendConfig backend) {
        return backend.type() == BackendConfig.Type.HOST_GW ? 0 : backend.port();
    }

    /**
     * Adds what the drop rules counted since the last read. A counter that went down was reset
     * (the chain was flushed by someone), so all of it is new.
     */
    private void countDrops(Map<Chain, Map<String, Long>> counts) {
        for (Chain c : List.of(Chain.INPUT, Chain.DOCKER_INPUT)) {
            counts.getOrDefault(c, Map.of()).forEach((rule, packets) -> {
                if (!rule.endsWith(" -j DROP")) {
                    return; // the peers' RETURN rules: 1000 of them with 1000 peers, on every pass
                }
                Matcher m = DROP.matcher(rule);
                if (m.matches()) {
                    String key = c.chainName() + " " + m.group(1);
                    long last = lastRead.getOrDefault(key, 0L);
                    dropped.labelValues(m.group(1)).inc(packets >= last ? packets - last : packets);
                    lastRead.put(key, packets);
                }
            });
        }
    }
}

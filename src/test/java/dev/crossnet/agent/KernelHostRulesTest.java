package dev.crossnet.agent;

import dev.crossnet.kernel.Chain;
import dev.crossnet.kernel.Firewall;
import dev.crossnet.kernel.FirewallRules;
import dev.crossnet.kernel.Kernel;
import dev.crossnet.kernel.RecordingKernel;
import dev.crossnet.metrics.MetricFamilies;
import dev.crossnet.model.BackendConfig;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.model.Subnet;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;

class KernelHostRulesTest {
    static final Subnet OWN = Subnet.parse("10.5.1.0/24");
    static final List<IPAddress> PEERS = List.of(new IPAddressString("172.30.0.12").getAddress());
    final RecordingKernel kernel = new RecordingKernel();
    final PrometheusRegistry metrics = new PrometheusRegistry();
    final KernelHostRules rules = new KernelHostRules(kernel, metrics);

    static NetworkConfig config(String backend) {
        return NetworkConfig.parse("{\"Network\":\"10.5.0.0/16\",\"Backend\":{\"Type\":\"" + backend + "\"}}");
    }

    @Test
    void ensure_forwardingChainsAndTheFilterOnTheBackendsPort_hostGwHasNone() {
        rules.ensure(config("vxlan"), OWN, true, PEERS);
        assertThat(kernel.sysctls).containsEntry("net/ipv4/ip_forward", "1");
        assertThat(kernel.chains.get(Chain.FORWARD)).isEqualTo(FirewallRules.forward(Subnet.parse("10.5.0.0/16")));
        assertThat(kernel.chains.get(Chain.POSTROUTING)).isEqualTo(FirewallRules.masquerade(Subnet.parse("10.5.0.0/16"), OWN));
        assertThat(kernel.chains.get(Chain.INPUT)).contains("-s 172.30.0.12/32 -j RETURN", "-p udp -m udp --dport 8472 -j DROP");

        rules.ensure(config("udp"), OWN, false, PEERS);
        assertThat(kernel.chains.get(Chain.INPUT)).contains("-p udp -m udp --dport 8285 -j DROP");
        assertThat(kernel.chains.get(Chain.POSTROUTING)).as("--ip-masq turned off").isEmpty();
        rules.ensure(config("host-gw"), OWN, false, PEERS);
        assertThat(kernel.chains.get(Chain.INPUT)).isEmpty();
        assertThat(KernelHostRules.encapsulationPort(new BackendConfig(BackendConfig.Type.VXLAN, 1, 4789, false, 0))).isEqualTo(4789);
    }

    @Test
    void ensure_twice_writesNothingTheSecondTime() {
        rules.ensure(config("vxlan"), OWN, false, PEERS);
        kernel.clearCalls();
        rules.ensure(config("vxlan"), OWN, false, PEERS);
        assertThat(kernel.calls).isEmpty();
    }

    @Test
    void dropCounters_exportedByPort_aResetCounterAddsWhatItCountsSince() {
        rules.ensure(config("vxlan"), OWN, false, List.of());
        kernel.firewall().replaceChain(Chain.DOCKER_INPUT, List.of("-p udp -m udp --dport 4789 -j DROP"));
        kernel.packets.put(List.of(Chain.INPUT, "-p udp -m udp --dport 8472 -j DROP"), 5L);
        kernel.packets.put(List.of(Chain.DOCKER_INPUT, "-p udp -m udp --dport 4789 -j DROP"), 2L);
        rules.ensure(config("vxlan"), OWN, false, List.of());
        assertThat(MetricFamilies.text(metrics)).contains("crossnet_encap_dropped_packets_total{port=\"8472\"} 5",
                "crossnet_encap_dropped_packets_total{port=\"4789\"} 2");

        kernel.packets.put(List.of(Chain.INPUT, "-p udp -m udp --dport 8472 -j DROP"), 7L);
        rules.ensure(config("vxlan"), OWN, false, List.of());
        assertThat(MetricFamilies.text(metrics)).contains("crossnet_encap_dropped_packets_total{port=\"8472\"} 7");

        kernel.packets.put(List.of(Chain.INPUT, "-p udp -m udp --dport 8472 -j DROP"), 1L); // iptables -Z, or -F and rewritten
        rules.ensure(config("vxlan"), OWN, false, List.of());
        assertThat(MetricFamilies.text(metrics)).contains("crossnet_encap_dropped_packets_total{port=\"8472\"} 8");
    }

    @Test
    void ensure_samePeersSetAgain_handsTheFirewallTheRulesItBuiltBefore() {
        List<Map<Chain, List<String>>> given = new ArrayList<>();
        KernelHostRules capturing = new KernelHostRules(capturingFirewall(given), new PrometheusRegistry());
        Set<IPAddress> peers = Set.copyOf(PEERS);

        capturing.ensure(config("vxlan"), OWN, true, peers);
        capturing.ensure(config("vxlan"), OWN, true, peers);
        capturing.ensure(config("vxlan"), OWN, true, Set.of(new IPAddressString("172.30.0.13").getAddress()));

        assertThat(given.get(1)).isSameAs(given.get(0));
        assertThat(given.get(2).get(Chain.INPUT)).contains("-s 172.30.0.13/32 -j RETURN").doesNotContain("-s 172.30.0.12/32 -j RETURN");
    }

    /** {@link #kernel} with a firewall that records each map of chains it is given. */
    private Kernel capturingFirewall(List<Map<Chain, List<String>>> given) {
        Firewall recording = kernel.firewall();
        Firewall capturing = new Firewall() {
            @Override
            public void replaceChain(Chain chain, List<String> rules) {
                recording.replaceChain(chain, rules);
            }

            @Override
            public List<String> listChain(Chain chain) {
                return recording.listChain(chain);
            }

            @Override
            public Map<String, Long> packetCounts(Chain chain) {
                return recording.packetCounts(chain);
            }

            @Override
            public Map<Chain, Map<String, Long>> replaceChains(Map<Chain, List<String>> chains) {
                given.add(chains);
                return recording.replaceChains(chains);
            }
        };
        return kernel.withFirewall(capturing);
    }
}

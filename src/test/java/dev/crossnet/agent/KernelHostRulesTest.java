package dev.crossnet.agent;

import dev.crossnet.kernel.Chain;
import dev.crossnet.kernel.FirewallRules;
import dev.crossnet.kernel.RecordingKernel;
import dev.crossnet.metrics.MetricFamilies;
import dev.crossnet.model.BackendConfig;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.model.Subnet;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;
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
}

package dev.crossnet.kernel.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crossnet.CrossnetException;
import dev.crossnet.kernel.Chain;
import dev.crossnet.kernel.FirewallRules;
import dev.crossnet.model.Subnet;
import org.junit.jupiter.api.Test;

/**
 * {@link IptablesFirewall}'s decisions (write or not, add the jump or not) against {@link FakeIptables};
 * {@code LinuxKernelIT} runs the same class against the real tools.
 */
class IptablesFirewallTest {

    private static final Subnet NETWORK = Subnet.parse("10.5.0.0/16");
    private static final Subnet OWN = Subnet.parse("10.5.1.0/24");

    private final FakeIptables iptables = new FakeIptables();
    private final IptablesFirewall firewall = new IptablesFirewall(new Commands(null, iptables));

    @Test
    void replaceChains_chainsInTwoTables_oneReadForBoth() {
        firewall.replaceChains(java.util.Map.of(Chain.FORWARD, FirewallRules.forward(NETWORK),
                Chain.POSTROUTING, FirewallRules.masquerade(NETWORK, OWN)));

        assertThat(iptables.commands).filteredOn(c -> c.startsWith("iptables-save")).containsExactly("iptables-save -c");
        assertThat(iptables.chains("filter").get("CROSSNET-FWD")).isEqualTo(FirewallRules.forward(NETWORK));
        assertThat(iptables.chains("nat").get("CROSSNET-POSTRTG")).isEqualTo(FirewallRules.masquerade(NETWORK, OWN));
    }

    @Test
    void listChain_tableNotInTheDump_empty() {
        iptables.tables.remove("nat"); // iptables-nft prints no nat table until something is written to it

        assertThat(firewall.listChain(Chain.POSTROUTING)).isEmpty();
        assertThat(firewall.packetCounts(Chain.POSTROUTING)).isEmpty();
    }

    @Test
    void ensureMasqueradeRules_twice_writesOnce() {
        firewall.ensureMasqueradeRules(NETWORK, OWN);
        firewall.ensureMasqueradeRules(NETWORK, OWN);

        assertThat(iptables.restores()).isEqualTo(1);
        assertThat(iptables.chains("nat").get("CROSSNET-POSTRTG")).isEqualTo(FirewallRules.masquerade(NETWORK, OWN));
        assertThat(iptables.chains("nat").get("POSTROUTING")).containsExactly("-j CROSSNET-POSTRTG");
    }

    @Test
    void ensureMasqueradeRules_firstTime_oneTransactionDeclaresFillsAndJumps() {
        firewall.ensureMasqueradeRules(NETWORK, OWN);

        assertThat(iptables.commands).filteredOn(c -> c.startsWith("iptables-restore")).singleElement().isEqualTo("""
                iptables-restore -w --noflush --counters
                *nat
                :CROSSNET-POSTRTG - [0:0]
                -F CROSSNET-POSTRTG
                -A CROSSNET-POSTRTG -s 10.5.0.0/16 -d 10.5.0.0/16 -j RETURN
                -A CROSSNET-POSTRTG -s 10.5.0.0/16 ! -d 224.0.0.0/4 -j MASQUERADE --random-fully
                -A CROSSNET-POSTRTG ! -s 10.5.0.0/16 -d 10.5.1.0/24 -j RETURN
                -A CROSSNET-POSTRTG ! -s 10.5.0.0/16 -d 10.5.0.0/16 -j MASQUERADE --random-fully
                -A POSTROUTING -j CROSSNET-POSTRTG
                COMMIT
                """);
    }

    @Test
    void replaceChain_otherRules_rewritesTheChainButAddsNoSecondJump() {
        firewall.ensureForwardRules(NETWORK);
        firewall.ensureForwardRules(Subnet.parse("10.6.0.0/16"));

        assertThat(iptables.restores()).isEqualTo(2);
        assertThat(iptables.chains("filter").get("CROSSNET-FWD")).isEqualTo(FirewallRules.forward(Subnet.parse("10.6.0.0/16")));
        assertThat(iptables.chains("filter").get("FORWARD")).containsExactly("-j CROSSNET-FWD");
    }

    @Test
    void replaceChain_chainEditedBySomeoneElse_isRewritten() {
        firewall.ensureForwardRules(NETWORK);
        iptables.chains("filter").get("CROSSNET-FWD").add("-s 10.99.0.0/16 -j DROP");

        firewall.ensureForwardRules(NETWORK);

        assertThat(iptables.restores()).isEqualTo(2);
        assertThat(iptables.chains("filter").get("CROSSNET-FWD")).isEqualTo(FirewallRules.forward(NETWORK));
    }

    @Test
    void replaceChain_jumpRemovedBySomeoneElse_putsTheJumpBackOnly() {
        firewall.ensureForwardRules(NETWORK);
        iptables.chains("filter").get("FORWARD").clear();
        iptables.chains("filter").get("FORWARD").add("-s 10.99.0.0/16 -j DROP");

        firewall.ensureForwardRules(NETWORK);

        assertThat(iptables.restores()).isEqualTo(2);
        assertThat(iptables.chains("filter").get("FORWARD")).containsExactly("-s 10.99.0.0/16 -j DROP", "-j CROSSNET-FWD");
        assertThat(iptables.chains("filter").get("CROSSNET-FWD")).isEqualTo(FirewallRules.forward(NETWORK));
    }

    @Test
    void replaceChain_restoreRefused_failsNamingChainNamespaceAndToolMessage() {
        IptablesFirewall inNs = new IptablesFirewall(new Commands("h1", iptables));
        iptables.restoreError = "iptables-restore: unable to initialize table 'nat'";

        assertThatThrownBy(() -> inNs.replaceChain(Chain.POSTROUTING, FirewallRules.masquerade(NETWORK, OWN)))
                .isInstanceOf(CrossnetException.class)
                .hasMessage("cannot write iptables chain nat/CROSSNET-POSTRTG in namespace h1: "
                        + "iptables-restore: unable to initialize table 'nat'");
        assertThat(iptables.commands).allMatch(c -> c.startsWith("nsenter --net=/var/run/netns/h1 "));
    }

    @Test
    void listChain_absentChain_isEmpty() {
        assertThat(firewall.listChain(Chain.DOCKER_FORWARD)).isEmpty();
    }

    @Test
    void replaceChains_onlyCountersMoved_writesNothingAndReportsEachReadsCounters() {
        var chains = java.util.Map.of(Chain.INPUT, FirewallRules.encapsulationPeers(8472,
                java.util.List.of(new inet.ipaddr.IPAddressString("172.30.0.12").getAddress())));
        firewall.replaceChains(chains);
        String drop = "CROSSNET-INPUT " + FirewallRules.encapsulationDrop(8472);

        iptables.packets.put(drop, 5L);
        iptables.packets.put("INPUT -j CROSSNET-INPUT", 40L);
        assertThat(firewall.replaceChains(chains).get(Chain.INPUT)).containsEntry(FirewallRules.encapsulationDrop(8472), 5L);
        iptables.packets.put(drop, 7L);
        assertThat(firewall.replaceChains(chains).get(Chain.INPUT)).containsEntry(FirewallRules.encapsulationDrop(8472), 7L);

        assertThat(iptables.restores()).isEqualTo(1);
    }

    @Test
    void replaceChains_sameRulesListAfterSomeoneEditedTheChain_rewritesIt() {
        var chains = java.util.Map.of(Chain.FORWARD, FirewallRules.forward(NETWORK));
        firewall.replaceChains(chains);
        firewall.replaceChains(chains);
        iptables.chains("filter").get("CROSSNET-FWD").clear();

        firewall.replaceChains(chains);

        assertThat(iptables.chains("filter").get("CROSSNET-FWD")).isEqualTo(FirewallRules.forward(NETWORK));
        assertThat(iptables.restores()).isEqualTo(2);
    }
}

package dev.crossnet.kernel;

import dev.crossnet.model.Subnet;
import inet.ipaddr.IPAddress;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Packet filter rules in crossnet's own chains ({@link Chain}). Blocking.
 */
public interface Firewall {

    /**
     * Makes {@code chain} exist with exactly {@code rules} (iptables rule specifications without
     * {@code -A CHAIN}, e.g. {@code -s 10.5.0.0/16 -j ACCEPT}), replaced atomically in one
     * transaction, and makes the built-in parent chain jump to it exactly once (first or last, as
     * {@link Chain#jumpFirst()} says). Changes nothing when both are already so. A rule that stays
     * keeps its packet counter. Idempotent.
     */
    void replaceChain(Chain chain, List<String> rules);

    /** The chain's rules in the same form as {@link #replaceChain} takes them; empty when absent. */
    List<String> listChain(Chain chain);

    /**
     * The packet counter of each rule of {@code chain}, keyed by the rule as {@link #listChain}
     * gives it (two equal rules: their sum); empty when the chain is absent. Read-only.
     */
    Map<String, Long> packetCounts(Chain chain);

    /**
     * {@link #replaceChain} for each entry, reading each table once (a reconcile that finds all
     * right costs one read per table). Returns, for every {@link Chain} of the tables read, the
     * {@link #packetCounts} as read (a rule that stays keeps its counter through a rewrite). Idempotent.
     */
    default Map<Chain, Map<String, Long>> replaceChains(Map<Chain, List<String>> chains) {
        chains.forEach(this::replaceChain);
        Map<Chain, Map<String, Long>> counts = new EnumMap<>(Chain.class);
        Set<String> tables = new HashSet<>();
        chains.keySet().forEach(c -> tables.add(c.table()));
        for (Chain c : Chain.values()) {
            if (tables.contains(c.table())) {
                counts.put(c, packetCounts(c));
            }
        }
        return counts;
    }

    /** Forward rules as flannel's: accept traffic from and to the overlay {@code network}. */
    default void ensureForwardRules(Subnet network) {
        replaceChain(Chain.FORWARD, FirewallRules.forward(network));
    }

    /** Masquerade rules as flannel's {@code --ip-masq}; see {@link FirewallRules#masquerade}. */
    default void ensureMasqueradeRules(Subnet network, Subnet ownSubnet) {
        replaceChain(Chain.POSTROUTING, FirewallRules.masquerade(network, ownSubnet));
    }

    /**
     * Datagrams to the encapsulation {@code port} only from {@code peers}; see {@link
     * FirewallRules#encapsulationPeers}. Idempotent.
     */
    default void ensureEncapsulationPeers(Chain chain, int port, Collection<IPAddress> peers) {
        replaceChain(chain, FirewallRules.encapsulationPeers(port, peers));
    }
}

package dev.crossnet.kernel;

import dev.crossnet.model.Subnet;
import java.util.List;

/**
 * Packet filter rules in crossnet's own chains ({@link Chain}). Blocking.
 */
public interface Firewall {

    /**
     * Makes {@code chain} exist with exactly {@code rules} (iptables rule specifications without
     * {@code -A CHAIN}, e.g. {@code -s 10.5.0.0/16 -j ACCEPT}), replaced atomically in one
     * transaction, and makes the built-in parent chain jump to it exactly once. Idempotent.
     */
    void replaceChain(Chain chain, List<String> rules);

    /** The chain's rules in the same form as {@link #replaceChain} takes them; empty when absent. */
    List<String> listChain(Chain chain);

    /** Forward rules as flannel's: accept traffic from and to the overlay {@code network}. */
    default void ensureForwardRules(Subnet network) {
        replaceChain(Chain.FORWARD, FirewallRules.forward(network));
    }

    /** Masquerade rules as flannel's {@code --ip-masq}; see {@link FirewallRules#masquerade}. */
    default void ensureMasqueradeRules(Subnet network, Subnet ownSubnet) {
        replaceChain(Chain.POSTROUTING, FirewallRules.masquerade(network, ownSubnet));
    }
}

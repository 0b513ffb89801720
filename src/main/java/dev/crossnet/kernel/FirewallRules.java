package dev.crossnet.kernel;

import dev.crossnet.model.Subnet;
import inet.ipaddr.IPAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/** The rules crossnet puts in its chains, after flannel's {@code MasqRules} and {@code ForwardRules}. Pure. */
public final class FirewallRules {

    /** IPv4 multicast, 224.0.0.0 - 239.255.255.255: never masqueraded. */
    static final String MULTICAST = "224.0.0.0/4";

    private FirewallRules() {
    }

    /** Accepts forwarded packets from and to the overlay. */
    public static List<String> forward(Subnet network) {
        return List.of(
                "-s " + network + " -j ACCEPT",
                "-d " + network + " -j ACCEPT");
    }

    /**
     * Masquerades traffic between the overlay and the outside, and never overlay-to-overlay traffic.
     * Order matters: the first rule returns early for overlay-to-overlay packets.
     */
    public static List<String> masquerade(Subnet network, Subnet ownSubnet) {
        return List.of(
                // overlay to overlay: keep the container's source address
                "-s " + network + " -d " + network + " -j RETURN",
                // overlay to the outside world (but not to multicast)
                "-s " + network + " ! -d " + MULTICAST + " -j MASQUERADE --random-fully",
                // the outside to this host's containers: keep the source
                "! -s " + network + " -d " + ownSubnet + " -j RETURN",
                // the outside (e.g. this host itself) to other hosts' containers: masquerade, so replies come back here
                "! -s " + network + " -d " + network + " -j MASQUERADE --random-fully");
    }

    /**
     * Admits UDP datagrams to the encapsulation {@code port} only from {@code peers}' addresses and
     * drops the rest; everything else leaves the chain at once. Order matters: other traffic returns
     * in the first two rules, so it never walks the peer list; a peer returns (to INPUT's own rules)
     * before the last rule drops what is left, whose packet counter is the count of strangers'
     * datagrams. Peers are sorted, so the same set always gives the same rules; IPv6 addresses
     * are ignored (these are IPv4 rules). Written as {@code iptables -S} prints them, so that a chain
     * that is already right reads back equal and is left alone.
     *
     * @param port the UDP port, e.g. 8472; 0 for a backend that encapsulates nothing (no rules)
     */
    public static List<String> encapsulationPeers(int port, Collection<IPAddress> peers) {
        if (port == 0) {
            return List.of();
        }
        List<String> rules = new ArrayList<>();
        rules.add("! -p udp -j RETURN");
        rules.add("-p udp -m udp ! --dport " + port + " -j RETURN");
        TreeSet<IPAddress> sorted = new TreeSet<>();
        for (IPAddress p : peers) {
            if (p.isIPv4()) {
                sorted.add(p.withoutPrefixLength());
            }
        }
        for (IPAddress p : sorted) {
            rules.add("-s " + p.toCanonicalString() + "/32 -j RETURN");
        }
        rules.add(encapsulationDrop(port));
        return rules;
    }

    /** The rule of {@link #encapsulationPeers} that drops strangers' datagrams to {@code port}. */
    public static String encapsulationDrop(int port) {
        return "-p udp -m udp --dport " + port + " -j DROP";
    }
}

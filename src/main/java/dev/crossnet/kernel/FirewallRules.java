package dev.crossnet.kernel;

import dev.crossnet.model.Subnet;
import java.util.List;

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
}

package dev.crossnet.agent;

import dev.crossnet.model.NetworkConfig;
import dev.crossnet.model.Subnet;

/**
 * Host-wide rules that let overlay traffic through: IP forwarding, FORWARD accepts for the overlay
 * network and, with {@code --ip-masq}, masquerading to the outside (never overlay to overlay).
 * Idempotent: calling it again with the same arguments changes nothing.
 */
public interface HostRules {
    void ensure(NetworkConfig config, Subnet own, boolean ipMasq);
}

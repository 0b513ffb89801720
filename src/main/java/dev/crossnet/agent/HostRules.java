package dev.crossnet.agent;

import dev.crossnet.model.NetworkConfig;
import dev.crossnet.model.Subnet;
import inet.ipaddr.IPAddress;
import java.util.Collection;

/**
 * Host-wide rules that let overlay traffic through and keep strangers out: IP forwarding, FORWARD
 * accepts for the overlay network, with {@code --ip-masq} masquerading to the outside (never
 * overlay to overlay), and the filter that admits datagrams to the encapsulation port only from
 * peers. Idempotent: calling it again with the same arguments changes nothing, and repairs what
 * someone else changed.
 */
public interface HostRules {

    /**
     * @param peers the PublicIPs of the other hosts' leases: the only sources the network's
     *              encapsulation port (vxlan's or udp's {@code Backend.Port}; host-gw has none) admits; not
     *              changed after the call (an implementation may keep what it built from it while the same
     *              collection is passed again)
     */
    void ensure(NetworkConfig config, Subnet own, boolean ipMasq, Collection<IPAddress> peers);
}

package dev.crossnet.probe;

import dev.crossnet.model.Lease;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * A host on the overlay as the probe sees it: its lease's PublicIP and subnet, and its overlay address (the
 * subnet's network address, see the package comment). Immutable.
 */
public record ProbeTarget(String publicIp, String subnet, InetAddress address) {

    /** {@code lease}'s host. */
    public static ProbeTarget of(Lease lease) {
        return new ProbeTarget(lease.attrs().publicIp(), lease.subnet().toString(), lease.subnet().network().toInetAddress());
    }

    /** The peers of {@code leases}, in their order; IPv4 only (the overlay is). */
    public static List<ProbeTarget> of(Collection<Lease> leases) {
        List<ProbeTarget> out = new ArrayList<>();
        for (Lease l : leases) {
            if (l.subnet().isIpv4()) {
                out.add(of(l));
            }
        }
        return out;
    }
}

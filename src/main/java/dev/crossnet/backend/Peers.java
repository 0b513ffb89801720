package dev.crossnet.backend;

import dev.crossnet.model.BackendConfig;
import dev.crossnet.model.Lease;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import inet.ipaddr.IPAddressStringParameters;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/** Helpers for reading peer leases. Pure. */
public final class Peers {

    /** Dotted quads only: no inet_aton forms such as "10.1" (= 10.0.0.1), no prefixes, no IPv6. */
    private static final IPAddressStringParameters STRICT_IPV4 = new IPAddressStringParameters.Builder()
            .allowIPv6(false).allowPrefix(false).allowMask(false).allowEmpty(false).allowSingleSegment(false)
            .getIPv4AddressParametersBuilder().allow_inet_aton(false).getParentBuilder()
            .toParams();

    private Peers() {
    }

    /** The lease's PublicIP as an IPv4 address without prefix, or null when missing or malformed. */
    public static IPAddress publicIp(Lease lease) {
        String s = lease.attrs() == null ? null : lease.attrs().publicIp();
        if (s == null) {
            return null;
        }
        IPAddress a = new IPAddressString(s, STRICT_IPV4).getAddress();
        return a == null || !a.isIPv4() ? null : a;
    }

    /** The lease's BackendType as written, or "" when missing; for messages (see {@link #belongsTo}). */
    public static String backendType(Lease lease) {
        return lease.attrs() == null || lease.attrs().backendType() == null ? "" : lease.attrs().backendType();
    }

    /**
     * Whether {@code peer} runs {@code network}, the backend of the network config: its BackendType
     * names that backend, or it names none (absent, null or ""). A network has one backend, and a
     * lease that names none is taken as that one's, as flanneld does: its udp backend writes
     * {@code {"PublicIP":"10.203.0.1","PublicIPv6":null}} and forwards to every lease by PublicIP
     * alone. A reservation ({@code lease reserve}) names none either until its host takes it up.
     * Whether such a peer can be programmed is the backend's to decide (vxlan needs a VtepMAC).
     */
    public static boolean belongsTo(Lease peer, BackendConfig.Type network) {
        String type = backendType(peer);
        return type.isEmpty() || type.equals(network.wire());
    }

    /** Whether {@code peer}'s lease names no BackendType (see {@link #belongsTo}). */
    public static boolean namesNoBackend(Lease peer) {
        return backendType(peer).isEmpty();
    }

    /** {@code peers} ordered by subnet, so that the first of two conflicting peers always wins. */
    public static List<Lease> bySubnet(Collection<Lease> peers) {
        return peers.stream().sorted(Comparator.comparing(Lease::subnet)).toList();
    }
}

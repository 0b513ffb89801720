package dev.crossnet.backend;

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

    /** The lease's BackendType, or "" when missing. */
    public static String backendType(Lease lease) {
        return lease.attrs() == null || lease.attrs().backendType() == null ? "" : lease.attrs().backendType();
    }

    /** {@code peers} ordered by subnet, so that the first of two conflicting peers always wins. */
    public static List<Lease> bySubnet(Collection<Lease> peers) {
        return peers.stream().sorted(Comparator.comparing(Lease::subnet)).toList();
    }
}

package dev.crossnet.backend;

import dev.crossnet.model.Lease;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/** Helpers for reading peer leases. Pure. */
public final class Peers {

    private Peers() {
    }

    /** The lease's PublicIP as an IPv4 address without prefix, or null when missing or malformed. */
    public static IPAddress publicIp(Lease lease) {
        String s = lease.attrs() == null ? null : lease.attrs().publicIp();
        if (s == null) {
            return null;
        }
        IPAddress a = new IPAddressString(s).getAddress();
        return a == null || !a.isIPv4() || a.isPrefixed() ? null : a;
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

package dev.crossnet.backend;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crossnet.model.Addresses;
import dev.crossnet.model.BackendConfig;
import dev.crossnet.model.Lease;
import dev.crossnet.model.Subnet;
import inet.ipaddr.IPAddress;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * Reading and checking peer leases, the one place every backend validates what other hosts
 * published. Pure.
 */
public final class Peers {

    private Peers() {
    }

    /** The lease's PublicIP as an IPv4 address without prefix, or null when missing or not a dotted quad. */
    public static IPAddress publicIp(Lease lease) {
        return Addresses.parseIpv4(lease.attrs() == null ? null : lease.attrs().publicIp());
    }

    /**
     * Why {@code peer} cannot be programmed by a backend of type {@code backendType} on {@code host},
     * as a sentence naming the peer and the field, or null when it can. Checks the BackendType
     * ({@link #belongsTo}: a lease that names none is the network's), and
     * that the PublicIP is a unicast IPv4 address that is not ours and not inside the overlay
     * {@code network} (a tunnel to, or a route via, such an address loops or goes nowhere).
     * Backend-specific fields (e.g. {@link #vtepMacProblem}) are the backend's to check.
     */
    public static String problem(Lease peer, String backendType, HostContext host, Subnet network) {
        String text = peer.attrs() == null ? null : peer.attrs().publicIp();
        IPAddress ip = publicIp(peer);
        String name = "peer " + peer.subnet() + (ip == null ? "" : " at " + ip);
        if (!backendType(peer).isEmpty() && !backendType(peer).equals(backendType)) {
            // A lease that names no backend is the network's (see belongsTo).
            return name + " runs backend \"" + backendType(peer) + "\", not " + backendType + "; skipped";
        }
        if (ip == null) {
            return name + " has no valid PublicIP (" + (text == null ? "missing" : "\"" + text + "\"") + "); skipped";
        }
        String notUnicast = Addresses.notUnicastIpv4(ip);
        if (notUnicast != null) {
            return name + ": PublicIP " + ip + " " + notUnicast + "; skipped";
        }
        if (broadcastOf(host.ifaceSubnet(), ip)) {
            return name + ": PublicIP " + ip + " is the broadcast address of our underlay subnet " + host.ifaceSubnet()
                    + "; skipped";
        }
        if (ip.equals(host.publicIp().withoutPrefixLength())) {
            return name + ": PublicIP " + ip + " is this host's own; skipped";
        }
        if (network.contains(ip)) {
            return name + ": PublicIP " + ip + " is inside the overlay Network " + network + "; skipped";
        }
        return null;
    }

    /** Why {@code peer}'s BackendData.VtepMAC cannot be a vxlan FDB entry's MAC, or null when it can. */
    public static String vtepMacProblem(Lease peer) {
        String mac = vtepMac(peer);
        String why = Addresses.notUnicastMac(mac);
        return why == null ? null : "peer " + peer.subnet() + ": BackendData.VtepMAC " + why + "; skipped";
    }

    /** BackendData.VtepMAC as published, or null. */
    public static String vtepMac(Lease peer) {
        JsonNode data = peer.attrs() == null ? null : peer.attrs().backendData();
        JsonNode mac = data == null ? null : data.get("VtepMAC");
        return mac == null || !mac.isTextual() ? null : mac.asText();
    }

    private static boolean broadcastOf(Subnet s, IPAddress ip) {
        return s.isIpv4() && s.prefixLength() < 31 && s.block().getUpper().withoutPrefixLength().equals(ip);
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

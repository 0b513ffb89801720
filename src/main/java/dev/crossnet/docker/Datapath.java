package dev.crossnet.docker;

import dev.crossnet.CrossnetException;
import dev.crossnet.backend.HostContext;
import dev.crossnet.docker.sealed.FrameTable;
import dev.crossnet.docker.sealed.SealedDatapath;
import dev.crossnet.kernel.Chain;
import dev.crossnet.kernel.FdbEntry;
import dev.crossnet.kernel.FirewallRules;
import dev.crossnet.kernel.Kernel;
import dev.crossnet.kernel.Link;
import dev.crossnet.kernel.Neighbour;
import dev.crossnet.kernel.SegmentSpec;
import dev.crossnet.kernel.Segments;
import dev.crossnet.kernel.VxlanSpec;
import dev.crossnet.reconcile.KernelState;
import dev.crossnet.reconcile.KernelWriter;
import dev.crossnet.model.Addresses;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel side of crossnet Docker networks on one host, Swarm's overlay rebuilt in the host
 * namespace.
 *
 * <h2>How it works</h2>
 * Per network with at least one container on this host (VNI 4096, subnet 192.168.100.0/24,
 * gateway 192.168.100.1, host underlay 172.30.0.11 on eth0):
 * <pre>
 *   bridge  cnbr4096  192.168.100.1/24  mtu 1450  (every host holds the gateway: ARP for it never leaves the host)
 *   vxlan   cnvx4096  id 4096 dstport 4789 local 172.30.0.11 dev eth0 nolearning proxy, master cnbr4096
 *   iptables filter CROSSNET-DOCKER-FWD:  -i cnbr4096 -o cnbr4096 -j ACCEPT; -i cnbr+ -o cnbr+ -j DROP (isolation);
 *                                         -i cnbr+ -j ACCEPT; -o cnbr+ -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
 *   iptables nat    CROSSNET-DOCKER-NAT:  -s 192.168.100.0/24 ! -d 192.168.100.0/24 -j MASQUERADE (the way out)
 * </pre>
 * Per host, for all networks: {@code iptables filter CROSSNET-DOCKER-IN} (first in INPUT) admits
 * datagrams to port 4789 only from the hosts of other hosts' endpoints and the cluster's other
 * hosts (their leases' PublicIPs), and drops the rest, so no stranger on the underlay can put
 * frames on a segment.
 * Per container on this host: a veth pair {@code cnv<ep>} (on the bridge) / {@code cnc<ep>}
 * (moved by Docker into the container as eth0). Per container on another host (192.168.100.4,
 * MAC 02:42:c0:a8:64:04, on host 172.30.0.12), as Swarm programs its peer table:
 * <pre>
 *   neighbour 192.168.100.4 lladdr 02:42:c0:a8:64:04 dev cnvx4096 nud permanent   (answered by the vxlan ARP proxy)
 *   fdb       02:42:c0:a8:64:04 dev cnvx4096 dst 172.30.0.12 self permanent
 * </pre>
 * The vxlan device has no all-zeros FDB entry, so broadcasts (ARP) never leave the host: they are
 * answered by the bridge (gateway), a local container, or the proxy. Every neighbour and FDB entry on
 * a {@code cnvx} device is crossnet's: the device is, so reconcile deletes what it does not want.
 *
 * <h2>Encrypted networks ({@code --opt encrypted})</h2>
 * The same bridge, gateway, veths and chains, but the bridge's port to other hosts is the TAP
 * device {@code cnsx<VNI>} of the {@link SealedDatapath} instead of a vxlan device, with an MTU
 * {@value SealedDatapath#OVERHEAD} bytes under the underlay's; the remote endpoints go to its
 * forwarding table instead of the neighbour and FDB tables. No vxlan device exists for the VNI, so a
 * vxlan datagram naming it finds nothing. {@code CROSSNET-DOCKER-IN} then admits
 * {@value SealedDatapath#PORT} from the same peers as 4789 (see {@link #inputRules}).
 *
 * <p>Not thread-safe: the driver serialises calls.
 */
public final class Datapath {
    /** IANA's vxlan port, as Swarm uses; flannel's vxlan backend keeps 8472. */
    public static final int VXLAN_PORT = 4789;

    private static final Logger log = LoggerFactory.getLogger(Datapath.class);

    private final Kernel kernel;
    private final Segments segments;
    private final HostContext host;
    private final Runnable onError;
    /** The writer of each network's peer entries (its failures and their retries), by VNI. */
    private final Map<Integer, KernelWriter> writers = new HashMap<>();
    /** The endpoints each encrypted network skipped, by VNI, logged once per change. */
    private final Map<Integer, dev.crossnet.ProblemLog> sealedSkips = new HashMap<>();
    /** The encrypted networks' datapath, or null when this host cannot encrypt ({@link #sealUnavailable} says why). */
    private SealedDatapath sealed;
    private String sealUnavailable = "the agent was started without a seal identity";

    /** A data plane whose refused entries are logged and retried, not counted. */
    public Datapath(Kernel kernel, Segments segments, HostContext host) {
        this(kernel, segments, host, () -> { });
    }

    /**
     * @param host    this host (its name, underlay address, interface, MTU and subnet)
     * @param onError called once per peer entry the kernel refuses, per attempt (counts it in /metrics)
     */
    public Datapath(Kernel kernel, Segments segments, HostContext host, Runnable onError) {
        this.kernel = kernel;
        this.segments = segments;
        this.host = host;
        this.onError = onError;
    }

    public HostContext host() {
        return host;
    }

    /**
     * Serves encrypted networks with {@code sealed}; with null, refuses them because of {@code
     * whyNot} (e.g. "no seal key and certificate in /etc/crossnet"). Call before the first network. Returns this.
     */
    public Datapath sealedBy(SealedDatapath sealed, String whyNot) {
        this.sealed = sealed;
        this.sealUnavailable = whyNot;
        return this;
    }

    /** Whether {@code n} was created with {@code --opt encrypted}. */
    public static boolean encrypted(NetworkRecord n) {
        return n.options().containsKey(NetworkDriver.ENCRYPTED);
    }

    /**
     * Throws, naming {@code what} and why, unless this host can carry encrypted networks: it has
     * a seal identity (from {@code crossnet init}/{@code join}) and its sealed datapath runs.
     */
    public void requireSealed(String what) {
        if (sealed == null) {
            throw new CrossnetException(what + ": host " + host.name() + " cannot encrypt: " + sealUnavailable
                    + "; crossnet will not make a cleartext network when asked for an encrypted one");
        }
    }

    /** The MTU of network {@code n}'s devices and containers: {@link #mtu()}, or less the sealed datapath's overhead. */
    public int mtu(NetworkRecord n) {
        return encrypted(n) ? host.ifaceMtu() - SealedDatapath.OVERHEAD : mtu();
    }

    /** The MTU of every Docker network's devices and containers: the underlay's less vxlan's overhead. */
    public int mtu() {
        return host.ifaceMtu() - VxlanSpec.OVERHEAD;
    }

    public static String bridgeName(int vni) {
        return "cnbr" + vni;
    }

    public static String vxlanName(int vni) {
        return "cnvx" + vni;
    }

    /** Host side of an endpoint's veth pair. */
    public static String hostIface(String endpointId) {
        return "cnv" + endpointId.substring(0, Math.min(10, endpointId.length()));
    }

    /** Container side of an endpoint's veth pair, before Docker renames it. */
    public static String containerIface(String endpointId) {
        return "cnc" + endpointId.substring(0, Math.min(10, endpointId.length()));
    }

    SegmentSpec spec(NetworkRecord n) {
        IPAddress gw = new IPAddressString(n.gateway() + "/" + new IPAddressString(n.subnet()).getNetworkPrefixLength())
                .getAddress();
        return new SegmentSpec(bridgeName(n.vni()), vxlanName(n.vni()), n.vni(), VXLAN_PORT, host.publicIp(),
                host.iface(), gw, mtu());
    }

    /** Makes the network's bridge, vxlan device (or, encrypted, TAP device) and forwarding exist. Idempotent. */
    public void ensureSegment(NetworkRecord n) {
        kernel.sysctl().ensureIpForwarding();
        if (!encrypted(n)) {
            segments.ensureSegment(spec(n));
            return;
        }
        requireSealed("encrypted network " + n.label());
        String bridge = bridgeName(n.vni());
        kernel.links().ensureBridge(bridge);
        kernel.links().ensureOnlyAddress(bridge, spec(n).gateway());
        // The TAP is read from here on, and only then a port: a frame never waits on an unread device.
        String tap = sealed.attach(n.vni());
        segments.ensurePort(tap, mtu(n), bridge);
        kernel.links().ensureUp(bridge, mtu(n));
    }

    /**
     * {@link #ensureSegment}, and when the bridge had to be made again (someone deleted it, which
     * frees its ports), puts back on it the host side of every veth of {@code local} (this host's
     * endpoints on {@code n}) that still exists. Idempotent.
     */
    public void repairSegment(NetworkRecord n, Collection<EndpointRecord> local) {
        Optional<Link> before = kernel.links().find(bridgeName(n.vni()));
        ensureSegment(n);
        if (before.isEmpty()) {
            for (EndpointRecord e : local) {
                if (host.name().equals(e.host()) && kernel.links().find(e.iface()).isPresent()) {
                    ensureVeth(e, n);
                }
            }
        }
    }

    public void deleteSegment(NetworkRecord n) {
        KernelWriter gone = writers.remove(n.vni());
        if (gone != null) {
            gone.close(); // its failures are no longer current
        }
        if (!encrypted(n)) {
            segments.deleteSegmentIfPresent(spec(n));
            return;
        }
        dev.crossnet.ProblemLog skips = sealedSkips.remove(n.vni());
        if (skips != null) {
            skips.close();
        }
        if (sealed != null) {
            sealed.detach(n.vni());
        }
        kernel.links().deleteIfPresent(SealedDatapath.tapName(n.vni()));
        kernel.links().deleteIfPresent(bridgeName(n.vni()));
    }

    public void ensureVeth(EndpointRecord e, NetworkRecord n) {
        segments.ensureVeth(e.iface(), containerIface(e.endpointId()), e.mac(), mtu(n), bridgeName(n.vni()));
    }

    public void deleteVeth(EndpointRecord e) {
        kernel.links().deleteIfPresent(e.iface());
    }

    /**
     * Makes the neighbour and FDB entries of {@code n}'s vxlan device exactly those of the
     * endpoints on other hosts. An endpoint whose record makes no sense (see {@link #peerProblem})
     * is skipped, and an entry the kernel refuses does not stop the others; both are logged once
     * per change, and a refused entry is retried with backoff ({@link KernelWriter}). Never throws;
     * idempotent; changes nothing when nothing changed.
     */
    public void programPeers(NetworkRecord n, Collection<EndpointRecord> endpoints) {
        String dev = vxlanName(n.vni());
        List<String> skipped = new ArrayList<>();
        Set<Neighbour> wantNeigh = new HashSet<>();
        Set<FdbEntry> wantFdb = new HashSet<>();
        Set<String> macs = new HashSet<>();
        Set<IPAddress> ips = new HashSet<>();
        List<FrameTable.Remote> remotes = new ArrayList<>();
        List<EndpointRecord> sorted = new ArrayList<>(endpoints);
        sorted.sort(Comparator.comparing(EndpointRecord::endpointId));
        for (EndpointRecord e : sorted) {
            if (host.name().equals(e.host()) || !n.id().equals(e.networkId())) {
                continue;
            }
            String problem = peerProblem(n, e);
            if (problem != null) {
                skipped.add(problem);
                continue;
            }
            IPAddress ip = Addresses.parseIpv4(e.ip());
            String mac = e.mac().toLowerCase(Locale.ROOT);
            if (!macs.add(mac) || !ips.add(ip)) {
                skipped.add(name(e) + ": its MAC " + mac + " or address " + ip + " is another endpoint's already; skipped");
                continue;
            }
            wantNeigh.add(new Neighbour(ip, mac, dev));
            wantFdb.add(new FdbEntry(mac, Addresses.parseIpv4(e.hostIp()), dev));
            remotes.add(new FrameTable.Remote(e.host(), ipv4(Addresses.parseIpv4(e.hostIp())), ipv4(ip), FrameTable.mac(mac)));
        }
        if (encrypted(n)) {
            sealedSkips.computeIfAbsent(n.vni(), v -> new dev.crossnet.ProblemLog(log, "network " + n.label()
                    + " (encrypted)")).report(skipped, List.of());
            if (sealed != null) {
                sealed.program(n.vni(), remotes);
            }
            return;
        }
        writers.computeIfAbsent(n.vni(), v -> new KernelWriter(kernel, log, "network " + n.label() + " (" + dev + ")",
                Clock.systemUTC(), onError))
                .program(new KernelState(Set.of(), wantNeigh, wantFdb), () -> new KernelState(Set.of(),
                        Set.copyOf(kernel.neighbours().listPermanent(dev)), Set.copyOf(kernel.fdb().listPermanent(dev))),
                        skipped);
    }

    /**
     * Why a remote endpoint cannot be programmed, naming it and the field, or null when it can:
     * its Address must be an IPv4 address in the network's subnet, its MacAddress a unicast MAC, and
     * its HostIP a unicast IPv4 address that is not this host's.
     */
    String peerProblem(NetworkRecord n, EndpointRecord e) {
        IPAddress ip = e.address() == null ? null : Addresses.parseIpv4(e.ip());
        if (ip == null || !new IPAddressString(n.subnet()).getAddress().contains(ip)) {
            return name(e) + ": Address \"" + e.address() + "\" is not an IPv4 address in " + n.subnet() + "; skipped";
        }
        String badMac = Addresses.notUnicastMac(e.mac());
        if (badMac != null) {
            return name(e) + ": MacAddress " + badMac + "; skipped";
        }
        IPAddress hostIp = Addresses.parseIpv4(e.hostIp());
        if (hostIp == null) {
            return name(e) + ": HostIP \"" + e.hostIp() + "\" is not an IPv4 address; skipped";
        }
        String notUnicast = Addresses.notUnicastIpv4(hostIp);
        if (notUnicast != null) {
            return name(e) + ": HostIP " + hostIp + " " + notUnicast + "; skipped";
        }
        if (hostIp.equals(host.publicIp().withoutPrefixLength())) {
            return name(e) + ": HostIP " + hostIp + " is this host's own; skipped";
        }
        return null;
    }

    private static int ipv4(IPAddress a) {
        byte[] b = a.getBytes();
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
    }

    private static String name(EndpointRecord e) {
        String id = e.endpointId() == null ? "?" : e.endpointId().substring(0, Math.min(12, e.endpointId().length()));
        return "endpoint " + id + " on host " + e.host();
    }

    /**
     * Rewrites crossnet's forward and masquerade chains of the Docker networks for the networks that
     * have a segment on this host: one read of the tables, one write if either chain is wrong. Idempotent.
     */
    public void ensureFirewall(Collection<NetworkRecord> local) {
        kernel.firewall().replaceChains(forwardChains(local));
    }

    /**
     * {@link #ensureFirewall} and the encapsulation filter {@code CROSSNET-DOCKER-IN}, in one read of the
     * tables and at most one write: a reconcile pass that finds them right runs one {@code iptables-save}.
     * The filter admits datagrams to {@link #VXLAN_PORT} only from the hosts of other hosts' endpoints in
     * {@code endpoints} (every network's, as a peer may send before our segment exists) and from
     * {@code hosts} (the cluster's other hosts: with a flannel network configured on port 4789 too, its
     * traffic passes this chain as well); a HostIP that is not an IPv4 address is left out. Idempotent.
     *
     * @param local the networks with a segment on this host
     */
    public void ensureChains(Collection<NetworkRecord> local, Collection<EndpointRecord> endpoints,
                             Collection<IPAddress> hosts) {
        Set<IPAddress> admit = peerHosts(endpoints);
        admit.addAll(hosts);
        Map<Chain, List<String>> chains = new EnumMap<>(Chain.class);
        chains.putAll(forwardChains(local));
        chains.put(Chain.DOCKER_INPUT, inputRules(sealed != null, admit));
        kernel.firewall().replaceChains(chains);
    }

    private static Map<Chain, List<String>> forwardChains(Collection<NetworkRecord> local) {
        List<NetworkRecord> nets = new ArrayList<>(local);
        nets.sort(Comparator.comparingInt(NetworkRecord::vni));
        Map<Chain, List<String>> chains = new EnumMap<>(Chain.class);
        chains.put(Chain.DOCKER_FORWARD, forwardRules(nets));
        chains.put(Chain.DOCKER_POSTROUTING, natRules(nets));
        return chains;
    }

    /**
     * The rules of {@code CROSSNET-DOCKER-IN}: {@link FirewallRules#encapsulationPeers} for 4789,
     * and, on a host with a sealed datapath, for {@value SealedDatapath#PORT} as well (one peer list,
     * one drop rule per port, so each port's strangers are counted apart). Pure.
     */
    static List<String> inputRules(boolean sealedPort, Collection<IPAddress> admit) {
        List<String> plain = FirewallRules.encapsulationPeers(VXLAN_PORT, admit);
        if (!sealedPort) {
            return plain;
        }
        List<String> rules = new ArrayList<>(plain);
        rules.set(1, "-p udp -m multiport ! --dports " + VXLAN_PORT + "," + SealedDatapath.PORT + " -j RETURN");
        rules.add(FirewallRules.encapsulationDrop(SealedDatapath.PORT));
        return rules;
    }

    /** The underlay addresses of the hosts other than this one with an endpoint in {@code endpoints}. Pure. */
    Set<IPAddress> peerHosts(Collection<EndpointRecord> endpoints) {
        Set<IPAddress> ips = new TreeSet<>();
        for (EndpointRecord e : endpoints) {
            if (e.host() == null || e.host().equals(host.name()) || e.hostIp() == null) {
                continue;
            }
            IPAddress ip = new IPAddressString(e.hostIp()).getAddress();
            if (ip != null && ip.isIPv4() && !ip.isPrefixed()) {
                ips.add(ip);
            }
        }
        return ips;
    }

    static List<String> forwardRules(List<NetworkRecord> nets) {
        List<String> rules = new ArrayList<>();
        if (nets.isEmpty()) {
            return rules;
        }
        for (NetworkRecord n : nets) {
            String br = bridgeName(n.vni());
            rules.add("-i " + br + " -o " + br + " -j ACCEPT"); // same network (bridged, with br_netfilter on)
        }
        rules.add("-i cnbr+ -o cnbr+ -j DROP"); // one crossnet network to another: isolated
        rules.add("-i cnbr+ -j ACCEPT"); // to the outside world
        rules.add("-o cnbr+ -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT");
        return rules;
    }

    static List<String> natRules(List<NetworkRecord> nets) {
        List<String> rules = new ArrayList<>();
        for (NetworkRecord n : nets) {
            rules.add("-s " + n.subnet() + " ! -d " + n.subnet() + " -j MASQUERADE");
        }
        return rules;
    }
}

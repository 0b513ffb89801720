package dev.crossnet.docker;

import dev.crossnet.CrossnetException;
import dev.crossnet.ProblemLog;
import dev.crossnet.docker.DockerStore.HostAttachment;
import dev.crossnet.docker.api.NetworkDriverApi;
import dev.crossnet.docker.api.NetworkDriverApi.IpamData;
import dev.crossnet.docker.api.PluginDispatcher;
import dev.crossnet.model.Subnet;
import dev.crossnet.reconcile.ReconcileLoop;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Docker's remote network driver {@code crossnet}: networks and endpoints live in the cluster store
 * ({@link DockerStore}), the data plane is {@link Datapath}.
 *
 * <p>Scope. Docker 20.10 without swarm refuses {@code "Scope":"global"} drivers ("This node is not a
 * swarm manager"), so the driver reports {@code "Scope":"local","ConnectivityScope":"global"} as
 * Calico and Weave do, and makes networks global itself: {@link EngineSync} creates each network in
 * every host's dockerd, passing {@value #NETWORK_OPTION}, by which {@link #createNetwork} on that
 * host recognises an existing network instead of making a new one. A {@code docker network create}
 * of a subnet that a crossnet network already has is that network too.
 *
 * <p>Errors the user can fix throw {@link CrossnetException} (the dispatcher answers {@code Err});
 * every check runs before the first write, so a refused request leaves nothing behind. Thread-safe:
 * calls are serialised, as they change the kernel; once {@link #onLoop}, the calls that change it
 * run on the reconcile loop's thread, with the lease path's and the periodic passes.
 */
public final class NetworkDriver {
    private static final Logger log = LoggerFactory.getLogger(NetworkDriver.class);
    /** Driver option naming the crossnet network a Docker network stands for on this host. */
    public static final String NETWORK_OPTION = "dev.crossnet.network";
    static final String GENERIC = "com.docker.network.generic";
    static final String ENCRYPTED = "encrypted";
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

    private final DockerStore store;
    private final Datapath datapath;
    private final String host;
    private final Clock clock;
    private final Supplier<Collection<IPAddress>> clusterHosts;
    private final ProblemLog segmentProblems = new ProblemLog(log, "docker segments");
    private final ProblemLog chainProblems = new ProblemLog(log, "docker iptables chains");
    /** Runs the calls that change the kernel on the reconcile loop's thread; direct until {@link #onLoop}. */
    private volatile ReconcileLoop loop;
    /** Networks with a segment on this host, by crossnet network ID. */
    private final Map<String, NetworkRecord> local = new LinkedHashMap<>();

    /**
     * What the driver tells Docker it is; needs no state, so it is answered from the agent's start,
     * before the rest of the driver is ready (Docker asks once, when it activates the plugin).
     */
    public static final NetworkDriverApi.CapabilitiesResponse CAPABILITIES =
            new NetworkDriverApi.CapabilitiesResponse("local", "global", null);

    public NetworkDriver(DockerStore store, Datapath datapath, Clock clock) {
        this(store, datapath, clock, List::of);
    }

    /**
     * @param clusterHosts the underlay addresses of the cluster's other hosts (their leases'
     *                     PublicIPs), admitted to the vxlan port besides the hosts of endpoints;
     *                     read on every {@link #reconcile}
     */
    public NetworkDriver(DockerStore store, Datapath datapath, Clock clock, Supplier<Collection<IPAddress>> clusterHosts) {
        this.store = store;
        this.datapath = datapath;
        this.host = datapath.host().name();
        this.clock = clock;
        this.clusterHosts = clusterHosts;
    }

    /**
     * From now on, runs the plugin calls that change the kernel (create, delete, join) on {@code
     * loop}'s thread, where every other store-to-kernel change runs, so that they never interleave
     * with a reconcile. Returns this.
     */
    public NetworkDriver onLoop(ReconcileLoop loop) {
        this.loop = loop;
        return this;
    }

    private <T> T serialised(Supplier<T> call) {
        ReconcileLoop l = loop;
        return l == null ? call.get() : l.call(call);
    }

    /** Adds the {@code /NetworkDriver.*} routes and declares {@code NetworkDriver}. */
    public PluginDispatcher register(PluginDispatcher d) {
        return d.implement(NetworkDriverApi.IMPLEMENTS)
                .route(NetworkDriverApi.GET_CAPABILITIES, Object.class, req -> CAPABILITIES)
                // CreateNetwork only writes the store (the segment is made at the first Join), so it does not
                // wait for the loop: a network made elsewhere appears here without waiting for a pass.
                .route(NetworkDriverApi.CREATE_NETWORK, NetworkDriverApi.CreateNetworkRequest.class, this::createNetwork)
                .route(NetworkDriverApi.DELETE_NETWORK, NetworkDriverApi.DeleteNetworkRequest.class,
                        req -> serialised(() -> deleteNetwork(req)))
                .route(NetworkDriverApi.ALLOCATE_NETWORK, NetworkDriverApi.AllocateNetworkRequest.class,
                        req -> new NetworkDriverApi.AllocateNetworkResponse(Map.of(), null))
                .route(NetworkDriverApi.FREE_NETWORK, NetworkDriverApi.FreeNetworkRequest.class,
                        req -> new NetworkDriverApi.FreeNetworkResponse(null))
                .route(NetworkDriverApi.CREATE_ENDPOINT, NetworkDriverApi.CreateEndpointRequest.class, this::createEndpoint)
                .route(NetworkDriverApi.ENDPOINT_OPER_INFO, NetworkDriverApi.EndpointInfoRequest.class, this::endpointInfo)
                .route(NetworkDriverApi.DELETE_ENDPOINT, NetworkDriverApi.DeleteEndpointRequest.class,
                        req -> serialised(() -> deleteEndpoint(req)))
                .route(NetworkDriverApi.JOIN, NetworkDriverApi.JoinRequest.class, req -> serialised(() -> join(req)))
                .route(NetworkDriverApi.LEAVE, NetworkDriverApi.LeaveRequest.class, req -> {
                    resolve(req.networkId());
                    return new NetworkDriverApi.LeaveResponse(null);
                })
                .route(NetworkDriverApi.DISCOVER_NEW, NetworkDriverApi.DiscoveryNotification.class,
                        req -> new NetworkDriverApi.DiscoveryResponse(null))
                .route(NetworkDriverApi.DISCOVER_DELETE, NetworkDriverApi.DiscoveryNotification.class,
                        req -> new NetworkDriverApi.DiscoveryResponse(null))
                // NAT to the outside is per network (the segment's masquerade rule), not per endpoint.
                .route(NetworkDriverApi.PROGRAM_EXTERNAL_CONNECTIVITY, NetworkDriverApi.ProgramExternalConnectivityRequest.class,
                        req -> {
                            resolve(req.networkId());
                            return new NetworkDriverApi.ProgramExternalConnectivityResponse(null);
                        })
                .route(NetworkDriverApi.REVOKE_EXTERNAL_CONNECTIVITY, NetworkDriverApi.RevokeExternalConnectivityRequest.class,
                        req -> new NetworkDriverApi.RevokeExternalConnectivityResponse(null));
    }

    synchronized NetworkDriverApi.CreateNetworkResponse createNetwork(NetworkDriverApi.CreateNetworkRequest req) {
        String dockerId = checkId("NetworkID", req.networkId());
        Map<String, String> generic = generic(req.options());
        boolean encrypted = generic.containsKey(ENCRYPTED);
        if (encrypted) {
            datapath.requireSealed("--opt encrypted");
        }
        if (req.ipv6Data() != null && !req.ipv6Data().isEmpty()) {
            throw new CrossnetException("IPv6 is not available yet on crossnet networks; remove --ipv6 and the IPv6 --subnet");
        }
        if (req.ipv4Data() == null || req.ipv4Data().isEmpty()) {
            throw new CrossnetException("--subnet is required for a crossnet network");
        }
        if (req.ipv4Data().size() > 1) {
            throw new CrossnetException("a crossnet network has one IPv4 --subnet, not " + req.ipv4Data().size());
        }
        IpamData d = req.ipv4Data().get(0);
        if (!IpamHandler.LOCAL_SPACE.equals(d.addressSpace()) && !IpamHandler.GLOBAL_SPACE.equals(d.addressSpace())) {
            throw new CrossnetException("crossnet networks need --ipam-driver crossnet: Docker's default IPAM is per host"
                    + " and would give containers on two hosts the same address");
        }
        if (d.pool() == null || d.gateway() == null) {
            throw new CrossnetException("IPv4Data needs Pool and Gateway");
        }
        IPAddress pool = new IPAddressString(d.pool()).getAddress();
        IPAddress gw = new IPAddressString(d.gateway()).getAddress();
        if (pool == null || !pool.isIPv4() || !pool.isPrefixed() || gw == null || !gw.isIPv4()) {
            throw new CrossnetException("--subnet " + d.pool() + " and --gateway " + d.gateway()
                    + " must be an IPv4 subnet and an address in it");
        }
        Subnet net = new Subnet(pool.toPrefixBlock());
        String subnet = net.toString();
        String gateway = gw.withoutPrefixLength().toCanonicalString();
        checkApartFromUnderlay(net);
        String wanted = generic.get(NETWORK_OPTION);
        Optional<NetworkRecord> existing = wanted != null
                ? Optional.of(store.network(wanted).orElseThrow(() -> new CrossnetException(
                        "-o " + NETWORK_OPTION + "=" + wanted + ": no such crossnet network (it was removed)")))
                : store.networks().stream().filter(n -> n.subnet().equals(subnet)).findFirst();
        if (existing.isPresent()) {
            NetworkRecord n = existing.get();
            if (!n.subnet().equals(subnet) || !n.gateway().equals(gateway)) {
                throw new CrossnetException("crossnet network " + n.label() + " has subnet " + n.subnet() + " and gateway "
                        + n.gateway() + ", not " + subnet + " and " + gateway);
            }
            if (Datapath.encrypted(n) != encrypted) {
                throw new CrossnetException("crossnet network " + n.label() + " on " + n.subnet() + (encrypted
                        ? " is not encrypted; remove --opt encrypted, or give another --subnet for an encrypted network"
                        : " is encrypted; add --opt encrypted"));
            }
            for (HostAttachment a : store.attachmentsOf(host).values()) {
                if (a.networkId().equals(n.id()) && !a.dockerId().equals(dockerId)) {
                    log.info("docker network {} replaces {} for crossnet network {} on this host", dockerId, a.dockerId(), n.label());
                }
            }
            store.attach(n.id(), host, dockerId);
            log.info("docker network {} is crossnet network {} (VNI {})", dockerId, n.label(), n.vni());
            return new NetworkDriverApi.CreateNetworkResponse(null);
        }
        checkApartFromOthers(net);
        Map<String, String> options = new HashMap<>(generic);
        options.remove(NETWORK_OPTION);
        NetworkRecord n = store.createNetwork(new NetworkRecord(dockerId, "", subnet, gateway, "", 0, options, false,
                Map.of(), "crossnet", Map.of(), host, clock.instant().toString()));
        try {
            store.attach(n.id(), host, dockerId);
        } catch (RuntimeException e) {
            store.deleteNetwork(n);
            throw e;
        }
        log.info("created crossnet network {} {} VNI {}", n.id(), n.subnet(), n.vni());
        return new NetworkDriverApi.CreateNetworkResponse(null);
    }

    /**
     * A Docker network inside the underlay would route the hosts' own addresses into containers.
     * Checked on every host that creates the network in its dockerd (underlays differ by host).
     */
    private void checkApartFromUnderlay(Subnet net) {
        Subnet underlay = datapath.host().ifaceSubnet();
        if (net.overlaps(underlay)) {
            throw new CrossnetException("--subnet " + net + " overlaps " + underlay + ", the underlay subnet of "
                    + datapath.host().iface() + " on host " + host + "; give a --subnet outside it");
        }
    }

    /** A new network must not overlap another crossnet network (the same subnet is that network) or the flannel Network. */
    private void checkApartFromOthers(Subnet net) {
        for (NetworkRecord other : store.networks()) {
            Subnet o = Subnet.parse(other.subnet());
            if (o.overlaps(net)) {
                throw new CrossnetException("--subnet " + net + " overlaps " + o + " of crossnet network " + other.label()
                        + "; give a --subnet outside it (or exactly " + o + " to join that network)");
            }
        }
        store.overlayNetwork().filter(net::overlaps).ifPresent(o -> {
            throw new CrossnetException("--subnet " + net + " overlaps " + o + ", the flannel Network in the store's"
                    + " config; give a --subnet outside it");
        });
    }

    synchronized NetworkDriverApi.DeleteNetworkResponse deleteNetwork(NetworkDriverApi.DeleteNetworkRequest req) {
        String dockerId = checkId("NetworkID", req.networkId());
        HostAttachment a = store.attachmentsOf(host).get(dockerId);
        if (a == null) {
            throw unknownNetwork(dockerId);
        }
        store.detach(a.networkId(), host);
        Optional<NetworkRecord> n = store.network(a.networkId());
        if (n.isPresent()) {
            Set<String> remote = remoteHosts(n.get());
            if (remote.isEmpty()) {
                store.deleteNetwork(n.get());
                log.info("removed crossnet network {} from the cluster", n.get().label());
            } else {
                // Docker removes the network here whatever a remote driver answers; it stays in the
                // cluster while other hosts use it, and EngineSync brings it back on this host.
                log.warn("network {} was removed on this host while hosts {} still have endpoints on it; it stays in the cluster",
                        n.get().label(), remote);
            }
        }
        NetworkRecord gone = local.remove(a.networkId());
        if (gone != null) {
            datapath.deleteSegment(gone);
            datapath.ensureFirewall(local.values());
        }
        return new NetworkDriverApi.DeleteNetworkResponse(null);
    }

    synchronized NetworkDriverApi.CreateEndpointResponse createEndpoint(NetworkDriverApi.CreateEndpointRequest req) {
        NetworkRecord n = resolve(req.networkId());
        String endpointId = checkId("EndpointID", req.endpointId());
        NetworkDriverApi.EndpointInterface in = req.iface();
        if (in == null || in.address() == null || in.address().isEmpty()) {
            throw new CrossnetException("endpoint " + endpointId + " has no IPv4 address; crossnet networks need --ipam-driver crossnet");
        }
        if (in.addressIpv6() != null && !in.addressIpv6().isEmpty()) {
            throw new CrossnetException("IPv6 is not available yet on crossnet networks");
        }
        IPAddress ip = new IPAddressString(in.address()).getAddress();
        if (ip == null || !ip.isIPv4() || !new IPAddressString(n.subnet()).getAddress().contains(ip.withoutPrefixLength())) {
            throw new CrossnetException("endpoint address " + in.address() + " is not in network " + n.label() + " " + n.subnet());
        }
        boolean macGiven = in.macAddress() != null && !in.macAddress().isEmpty();
        String mac = macGiven ? in.macAddress().toLowerCase(Locale.ROOT) : macFor(ip);
        store.createEndpoint(new EndpointRecord(n.id(), endpointId, host, datapath.host().publicIp().toCanonicalString(),
                in.address(), mac, Datapath.hostIface(endpointId), ""));
        return new NetworkDriverApi.CreateEndpointResponse(
                macGiven ? null : new NetworkDriverApi.EndpointInterface(null, null, mac), null);
    }

    synchronized NetworkDriverApi.EndpointInfoResponse endpointInfo(NetworkDriverApi.EndpointInfoRequest req) {
        NetworkRecord n = resolve(req.networkId());
        EndpointRecord e = endpoint(n, req.endpointId());
        return new NetworkDriverApi.EndpointInfoResponse(Map.of("Host", e.host(), "Interface", e.iface(), "VNI", n.vni()), null);
    }

    synchronized NetworkDriverApi.DeleteEndpointResponse deleteEndpoint(NetworkDriverApi.DeleteEndpointRequest req) {
        NetworkRecord n = resolve(req.networkId());
        EndpointRecord e = endpoint(n, req.endpointId());
        datapath.deleteVeth(e);
        store.deleteEndpoint(n.id(), e.endpointId());
        boolean more = store.endpoints(n.id()).stream().anyMatch(x -> x.host().equals(host));
        if (!more && local.remove(n.id()) != null) {
            datapath.deleteSegment(n);
            datapath.ensureFirewall(local.values());
        }
        return new NetworkDriverApi.DeleteEndpointResponse(null);
    }

    synchronized NetworkDriverApi.JoinResponse join(NetworkDriverApi.JoinRequest req) {
        NetworkRecord n = resolve(req.networkId());
        EndpointRecord e = endpoint(n, req.endpointId());
        datapath.ensureSegment(n);
        local.put(n.id(), n);
        datapath.ensureFirewall(local.values());
        datapath.ensureVeth(e, n);
        datapath.programPeers(n, store.endpoints(n.id()));
        return new NetworkDriverApi.JoinResponse(new NetworkDriverApi.InterfaceName(Datapath.containerIface(e.endpointId()), "eth"),
                n.gateway(), null, List.of(), false, null);
    }

    /**
     * Brings the kernel in line with the store: with {@code full}, (re)creates the segment of every
     * network with an endpoint on this host and removes the others'; always re-ensures crossnet's
     * Docker chains (one {@code iptables-save} when they are right) and reprograms peers.
     * Adopts what exists, so after an agent restart nothing is re-created. Idempotent.
     */
    public synchronized void reconcile(boolean full) {
        List<EndpointRecord> all = store.endpoints(null);
        if (full) {
            // One network whose segment cannot be made must not keep the others from theirs.
            List<String> failed = new ArrayList<>();
            Map<String, NetworkRecord> nets = store.networks().stream()
                    .collect(Collectors.toMap(NetworkRecord::id, x -> x));
            Set<String> wanted = all.stream().filter(e -> host.equals(e.host())).map(EndpointRecord::networkId)
                    .collect(Collectors.toCollection(TreeSet::new));
            for (String id : new ArrayList<>(local.keySet())) {
                if (!wanted.contains(id) || !nets.containsKey(id)) {
                    NetworkRecord gone = local.remove(id);
                    attempt(failed, () -> datapath.deleteSegment(gone));
                }
            }
            for (String id : wanted) {
                NetworkRecord n = nets.get(id);
                List<EndpointRecord> mine = all.stream().filter(e -> id.equals(e.networkId())).toList();
                // repairSegment: a bridge someone deleted comes back with this host's veths on it.
                if (n != null && attempt(failed, () -> datapath.repairSegment(n, mine))) {
                    local.put(id, n);
                }
            }
            segmentProblems.report(List.of(), failed);
        }
        // Every chain in one read of the tables (and at most one write), on every pass.
        List<String> chainsFailed = new ArrayList<>();
        attempt(chainsFailed, () -> datapath.ensureChains(local.values(), all, clusterHosts.get()));
        chainProblems.report(List.of(), chainsFailed);
        for (NetworkRecord n : local.values()) {
            datapath.programPeers(n, all.stream().filter(e -> n.id().equals(e.networkId())).toList());
        }
    }

    private static boolean attempt(List<String> failed, Runnable step) {
        try {
            step.run();
            return true;
        } catch (CrossnetException e) {
            failed.add(e.getMessage());
            return false;
        }
    }

    /** The hosts other than this one with endpoints on {@code n}, sorted. */
    Set<String> remoteHosts(NetworkRecord n) {
        return store.endpoints(n.id()).stream().map(EndpointRecord::host).filter(h -> !h.equals(host))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** The crossnet network that Docker network {@code dockerId} is on this host. */
    private NetworkRecord resolve(String dockerId) {
        checkId("NetworkID", dockerId);
        HostAttachment a = store.attachmentsOf(host).get(dockerId);
        if (a == null) {
            throw unknownNetwork(dockerId);
        }
        return store.network(a.networkId()).orElseThrow(() -> new CrossnetException("network " + dockerId
                + " was removed from the cluster; remove it here with docker network rm"));
    }

    private EndpointRecord endpoint(NetworkRecord n, String endpointId) {
        checkId("EndpointID", endpointId);
        EndpointRecord e = store.endpoint(n.id(), endpointId).orElseThrow(() -> new CrossnetException(
                "unknown endpoint " + endpointId + " on network " + n.label()));
        if (!e.host().equals(host)) {
            throw new CrossnetException("endpoint " + endpointId + " belongs to host " + e.host() + ", not " + host);
        }
        return e;
    }

    private CrossnetException unknownNetwork(String dockerId) {
        return new CrossnetException("unknown network " + dockerId + ": no crossnet network has that Docker ID on host " + host);
    }

    private static String checkId(String field, String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new CrossnetException(field + " \"" + id + "\" is not a Docker ID (letters, digits, '_', '.', '-')");
        }
        return id;
    }

    /** {@code 02:42} and the four bytes of the IPv4 address, as Docker's bridge and overlay drivers do. */
    static String macFor(IPAddress ip) {
        byte[] b = ip.withoutPrefixLength().getBytes();
        return String.format("02:42:%02x:%02x:%02x:%02x", b[0] & 0xff, b[1] & 0xff, b[2] & 0xff, b[3] & 0xff);
    }

    private static Map<String, String> generic(Map<String, Object> options) {
        Map<String, String> out = new HashMap<>();
        if (options == null || !(options.get(GENERIC) instanceof Map<?, ?> g)) {
            return out;
        }
        g.forEach((k, v) -> out.put(String.valueOf(k), v == null ? "" : String.valueOf(v)));
        return out;
    }
}

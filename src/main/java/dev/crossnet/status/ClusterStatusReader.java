package dev.crossnet.status;

import dev.crossnet.CrossnetException;
import dev.crossnet.docker.DockerStore;
import dev.crossnet.docker.EndpointRecord;
import dev.crossnet.docker.NetworkRecord;
import dev.crossnet.lease.LeaseRegistry;
import dev.crossnet.model.Lease;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.store.KeyValue;
import dev.crossnet.store.Store;
import dev.crossnet.store.StoreJson;
import dev.crossnet.store.StoreSpec;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a {@link ClusterStatus} from the store alone: the flannel config and leases, the agents' presence records
 * ({@link AgentPresence}), their reports ({@link HostReport}) and the Docker networks with their endpoints. A host is
 * every name with a presence record or a report, plus (named by its PublicIP) every lease no named host claims.
 * Never throws for a store that cannot be read: the document then says so in {@code store}. Blocking (store reads);
 * thread-safe.
 */
public final class ClusterStatusReader {
    private static final Logger log = LoggerFactory.getLogger(ClusterStatusReader.class);

    private final Store store;
    private final String prefix;
    private final ClusterStatus.StoreHealth where;
    private final Clock clock;

    /**
     * @param prefix the flannel prefix, e.g. {@code /coreos.com/network}
     * @param where  the store's kind and endpoints for the document ({@link #describe}); its health is found by reading
     */
    public ClusterStatusReader(Store store, String prefix, ClusterStatus.StoreHealth where, Clock clock) {
        this.store = store;
        this.prefix = prefix;
        this.where = where;
        this.clock = clock;
    }

    /** The kind and endpoints of {@code spec}, not yet known healthy. */
    public static ClusterStatus.StoreHealth describe(StoreSpec spec) {
        if (spec.isEtcd()) {
            return new ClusterStatus.StoreHealth("etcd", spec.endpoints().stream().map(URI::toString).toList(), false, null);
        }
        return new ClusterStatus.StoreHealth("embedded", List.of(spec.file().toString()), false, null);
    }

    /** The document now, as built by host {@code from} ({@code ""} for none). */
    public ClusterStatus read(String from) {
        String now = clock.instant().toString();
        try {
            return read(from, now);
        } catch (RuntimeException e) {
            // The store is down or refuses us: say so, with no hosts rather than stale ones.
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            return new ClusterStatus(now, from, new ClusterStatus.StoreHealth(where.kind(), where.endpoints(), false, why),
                    null, List.of(), List.of());
        }
    }

    private ClusterStatus read(String from, String now) {
        LeaseRegistry leases = new LeaseRegistry(store, prefix);
        ClusterStatus.Overlay overlay = null;
        try {
            NetworkConfig cfg = leases.config();
            overlay = new ClusterStatus.Overlay(cfg.network().toString(), cfg.backend().type().wire());
        } catch (CrossnetException e) {
            log.debug("no usable network config: {}", e.getMessage());
        }
        List<Lease> held = leases.leases(false).leases();
        List<AgentPresence.Status> agents;
        try {
            agents = AgentPresence.list(store);
        } catch (CrossnetException e) {
            // A malformed record is not a store failure: show the hosts from their leases and reports.
            log.warn("agent records not shown: {}", e.getMessage());
            agents = List.of();
        }
        Map<String, HostReport> reports = reports();
        List<ClusterStatus.Host> hosts = hosts(held, agents, reports);
        return new ClusterStatus(now, from, new ClusterStatus.StoreHealth(where.kind(), where.endpoints(), true, null), overlay,
                hosts, dockerNetworks());
    }

    /** Every valid report by host; one that does not parse is skipped (its agent writes it again within a tick). */
    private Map<String, HostReport> reports() {
        Map<String, HostReport> out = new HashMap<>();
        for (KeyValue kv : store.list(HostReport.PREFIX).items()) {
            try {
                out.put(kv.key().substring(HostReport.PREFIX.length()), StoreJson.read(kv, HostReport.class));
            } catch (CrossnetException e) {
                log.warn("skipping host report: {}", e.getMessage());
            }
        }
        return out;
    }

    /** Joins leases, presence records and reports into hosts, sorted by name; exposed for tests. */
    static List<ClusterStatus.Host> hosts(List<Lease> leases, List<AgentPresence.Status> agents, Map<String, HostReport> reports) {
        Map<String, String> names = new HashMap<>(); // PublicIP -> host name
        TreeSet<String> named = new TreeSet<>(reports.keySet());
        for (AgentPresence.Status a : agents) {
            named.add(a.host());
        }
        Map<String, String> addressOf = new HashMap<>();
        for (String h : named) {
            HostReport r = reports.get(h);
            String ip = r != null && r.publicIp() != null ? r.publicIp()
                    : agents.stream().filter(a -> a.host().equals(h)).map(AgentPresence.Status::address).findFirst().orElse(null);
            if (ip != null) {
                addressOf.put(h, ip);
                // A live agent's name wins an address shared with a stopped one (a host renamed in place).
                if (!names.containsKey(ip) || alive(agents, h)) {
                    names.put(ip, h);
                }
            }
        }
        Map<String, ClusterStatus.Host> out = new TreeMap<>();
        for (String h : named) {
            String ip = addressOf.get(h);
            HostReport r = reports.get(h);
            Lease lease = ip == null ? null : leases.stream().filter(l -> ip.equals(l.attrs().publicIp())).findFirst().orElse(null);
            String subnet = lease != null ? lease.subnet().toString() : r != null ? r.subnet() : null;
            String backend = r != null ? r.backend() : lease != null ? lease.attrs().backendType() : null;
            List<ClusterStatus.Peer> peers = r == null ? List.of() : r.peers().stream()
                    .map(p -> p.named(names.getOrDefault(p.publicIp(), p.name() != null ? p.name() : p.publicIp())))
                    .sorted(Comparator.comparing(ClusterStatus.Peer::name)).toList();
            out.put(h, new ClusterStatus.Host(h, ip, subnet, backend, r == null ? Map.of() : r.mode(), agent(agents, h, r), peers,
                    r == null ? List.of() : r.errors()));
        }
        for (Lease l : leases) {
            String ip = l.attrs().publicIp();
            if (ip != null && !names.containsKey(ip)) {
                // A lease of a host with no crossnet agent record (flanneld, or an agent from before reports).
                out.put(ip, new ClusterStatus.Host(ip, ip, l.subnet().toString(), l.attrs().backendType(), Map.of(),
                        new ClusterStatus.AgentState(false, "none", null, null, null), List.of(), List.of()));
            }
        }
        return new ArrayList<>(out.values());
    }

    private static boolean alive(List<AgentPresence.Status> agents, String host) {
        return agents.stream().anyMatch(a -> a.host().equals(host) && a.alive());
    }

    /** {@code h}'s agent: ready only with its alive key; a running record whose key lapsed reads "down". */
    static ClusterStatus.AgentState agent(List<AgentPresence.Status> agents, String h, HostReport r) {
        String lastSeen = r == null ? null : r.at();
        AgentPresence.Status s = agents.stream().filter(a -> a.host().equals(h)).findFirst().orElse(null);
        if (s == null) {
            return new ClusterStatus.AgentState(false, "none", null, null, lastSeen);
        }
        boolean running = AgentPresence.READY.equals(s.state()) || AgentPresence.NOT_READY.equals(s.state());
        String state = running && !s.alive() ? AgentPresence.DOWN : s.state();
        return new ClusterStatus.AgentState(s.alive() && AgentPresence.READY.equals(s.state()), state, s.why(),
                s.since().toString(), lastSeen);
    }

    private List<ClusterStatus.DockerNetwork> dockerNetworks() {
        DockerStore docker = new DockerStore(store, prefix);
        Map<String, List<ClusterStatus.Container>> byNetwork = new HashMap<>();
        for (EndpointRecord e : docker.endpoints(null)) {
            String name = e.container().isEmpty() ? e.endpointId().substring(0, Math.min(12, e.endpointId().length())) : e.container();
            byNetwork.computeIfAbsent(e.networkId(), k -> new ArrayList<>()).add(new ClusterStatus.Container(name, e.host(), e.ip()));
        }
        List<ClusterStatus.DockerNetwork> out = new ArrayList<>();
        for (NetworkRecord n : docker.networks()) {
            List<ClusterStatus.Container> cs = new ArrayList<>(byNetwork.getOrDefault(n.id(), List.of()));
            cs.sort(Comparator.comparing(ClusterStatus.Container::host).thenComparing(ClusterStatus.Container::name));
            out.add(new ClusterStatus.DockerNetwork(n.name().isEmpty() ? n.id() : n.name(), n.id(), "crossnet", n.subnet(),
                    n.options().containsKey("encrypted"), cs)); // present = encrypted, as Docker reads --opt encrypted
        }
        out.sort(Comparator.comparing(ClusterStatus.DockerNetwork::name));
        return out;
    }
}

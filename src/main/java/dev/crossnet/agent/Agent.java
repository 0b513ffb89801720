package dev.crossnet.agent;

import dev.crossnet.Backoff;
import dev.crossnet.CrossnetException;
import dev.crossnet.ProblemLog;
import dev.crossnet.backend.Backend;
import dev.crossnet.backend.HostContext;
import dev.crossnet.backend.Network;
import dev.crossnet.backend.Peers;
import dev.crossnet.lease.LeaseRegistry;
import dev.crossnet.lease.LeaseRenewer;
import dev.crossnet.lease.LeaseWatcher;
import dev.crossnet.lease.SubnetManager;
import dev.crossnet.metrics.ReconcileErrors;
import dev.crossnet.model.BackendConfig;
import dev.crossnet.model.ConfigException;
import dev.crossnet.model.Ipv4Set;
import dev.crossnet.model.Lease;
import dev.crossnet.model.LeaseAttrs;
import dev.crossnet.model.LeaseEvent;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.model.Subnet;
import dev.crossnet.reconcile.Memo;
import dev.crossnet.reconcile.ReconcileLoop;
import dev.crossnet.store.ListResult;
import dev.crossnet.store.Store;
import dev.crossnet.store.Watch;
import dev.crossnet.store.WatchEvent;
import dev.crossnet.store.WatchListener;
import inet.ipaddr.IPAddress;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One host's agent: the flannel lease path into the {@link ReconcileLoop}. {@link #start()} does
 * everything up to "ready" synchronously, so bad input fails before anything is written, then
 * hands the lease watch and a {@link ReconcileLoop.Task} to the loop, whose one thread (shared with
 * the Docker path) applies lease changes, reconciles the backend periodically (repairing tampered
 * kernel state), renews the lease, and lets the backend restart what of its own machinery failed.
 * {@link #run()} runs that loop on the calling thread; {@link #stop()} ends it and leaves the
 * kernel state and the lease in place.
 *
 * <p>A lease lost after start (deleted or taken over in the store, expired while the store was
 * unreachable) is taken again; a failed attempt (store still unreachable, pool full) is retried
 * with {@link Backoff}, from {@link #RETRY_MIN} up to {@link #RETRY_MAX}, and until one succeeds
 * {@link #notReady()} says why. Time comes from the injected {@link Clock}.
 */
public final class Agent {
    private static final Logger log = LoggerFactory.getLogger(Agent.class);
    /** The first retry of a failed re-acquire; each further failure doubles the wait. */
    static final Duration RETRY_MIN = Duration.ofSeconds(1);
    /** The longest wait between two attempts to re-acquire a lost lease, as the renewer's retry. */
    static final Duration RETRY_MAX = Duration.ofSeconds(30);

    /** Everything the command line decides. */
    public record Options(String iface, String publicIp, Path subnetFile, Path dockerOptsFile, Path stateDir,
                          boolean ipMasq, Duration leaseTtl, Duration renewMargin, Duration resyncInterval) {
    }

    private final Options opts;
    private final LeaseRegistry registry;
    private final SubnetManager manager;
    private final Function<BackendConfig.Type, Backend> backends;
    private final HostRules rules;
    /** {@link #peerAddresses} of the last leases: recomputed only when the store changed. */
    private final Memo<Set<IPAddress>> addresses = new Memo<>();
    /** {@link #peers} of the last leases and own subnet: an idle resync filters no lease. */
    private final Memo<List<Lease>> peerLeases = new Memo<>();
    private final Clock clock;
    private final Function<Options, HostContext> hostResolver;
    private final AgentMetrics metrics;
    private final ReconcileLoop loop;
    /** Whether watch events changed the peers since the last reconcile. Loop thread only. */
    private boolean pendingChange;
    private final LeaseWatcher watcher;
    private final Backoff retry;
    private final ProblemLog failures = new ProblemLog(log);
    private volatile boolean ready;
    private volatile boolean stopped;
    private volatile Instant lastLoop = Instant.EPOCH;
    /** This host's lease and its peers as last reconciled, for other threads (the overlay probe, the status report). */
    private volatile Overlay overlay;
    /** Why we hold no working lease (lost, not yet taken again or set up), or null. */
    private volatile String leaseDown;
    /** Whether {@link #recover} must acquire a lease before setting it up. */
    private boolean needLease;
    private Instant nextResync;

    private HostContext host;
    private NetworkConfig config;
    private Network network;
    private LeaseAttrs attrs;
    private LeaseRenewer renewer;
    private Watch watch;

    /** An agent with a reconcile loop of its own. @param metrics where the agent's metrics go (see {@link AgentMetrics}) */
    public Agent(Options opts, Store store, String prefix, Function<BackendConfig.Type, Backend> backends,
                 HostRules rules, Clock clock, PrometheusRegistry metrics) {
        this(opts, store, prefix, backends, rules, clock, metrics, new ReconcileLoop(clock));
    }

    /** An agent on {@code loop}, the reconcile loop it shares with the host's other control paths. */
    public Agent(Options opts, Store store, String prefix, Function<BackendConfig.Type, Backend> backends,
                 HostRules rules, Clock clock, PrometheusRegistry metrics, ReconcileLoop loop) {
        this(opts, store, prefix, backends, rules, clock, metrics,
                o -> Underlay.resolve(o.iface(), o.publicIp(), o.stateDir()), loop);
    }

    /** For tests: {@code hostResolver} replaces the lookup of the underlay interface. */
    Agent(Options opts, Store store, String prefix, Function<BackendConfig.Type, Backend> backends,
          HostRules rules, Clock clock, PrometheusRegistry metrics, Function<Options, HostContext> hostResolver) {
        this(opts, store, prefix, backends, rules, clock, metrics, hostResolver, new ReconcileLoop(clock));
    }

    private Agent(Options opts, Store store, String prefix, Function<BackendConfig.Type, Backend> backends,
                  HostRules rules, Clock clock, PrometheusRegistry metrics, Function<Options, HostContext> hostResolver,
                  ReconcileLoop loop) {
        this.loop = loop;
        this.hostResolver = hostResolver;
        this.metrics = new AgentMetrics(metrics);
        this.retry = new Backoff(RETRY_MIN, RETRY_MAX, clock);
        this.opts = opts;
        this.registry = new LeaseRegistry(store, prefix);
        this.manager = new SubnetManager(registry, new SecureRandom());
        this.backends = backends;
        this.rules = rules;
        this.clock = clock;
        this.watcher = new LeaseWatcher(registry);
    }

    /**
     * Acquires the lease and sets everything up, then adds the lease watch and the agent's task to
     * the loop. Blocking; call before the loop runs. @throws CrossnetException on bad input
     */
    public void start() {
        AtomicFiles.checkWritable(opts.subnetFile(), "--subnet-file");
        if (opts.dockerOptsFile() != null) {
            AtomicFiles.checkWritable(opts.dockerOptsFile(), "--docker-opts-file");
        }
        host = hostResolver.apply(opts);
        config = registry.config();
        checkApartFromUnderlay(config, host);
        Backend backend = backends.apply(config.backend().type());
        log.info("using interface {} (PublicIP {}, MTU {}), {} backend, network {}", host.iface(),
                host.publicIp(), host.ifaceMtu(), backend.type(), config.network());
        network = backend.register(host, config);
        attrs = new LeaseAttrs(host.publicIp().toCanonicalString(), backend.type(), network.backendData());
        Subnet previous = SubnetEnv.previousSubnet(opts.subnetFile());
        Lease lease = manager.acquire(attrs, opts.leaseTtl(), previous);
        log.info("leased {} ({})", lease.subnet(), lease.isPermanent() ? "reserved" : "until " + lease.expiration());
        renewer = new LeaseRenewer(manager, clock, opts.leaseTtl(), opts.renewMargin(), Duration.ofSeconds(30));
        renewer.hold(lease);
        // The peers before the rules: the encapsulation filter admits them (a restarted agent keeps
        // admitting them; an empty list would drop their traffic until the first reconcile).
        LeaseRegistry.LeaseSnapshot snap = registry.leases(false);
        watcher.reset(snap.leases());
        activate(lease);
        reconcilePeers(peers());
        // One watch on the subnets prefix; its events and re-listed snapshots run on the loop thread.
        watch = registry.watch(snap.revision(), loop.onLoop(new WatchListener() {
            @Override
            public void onEvents(List<WatchEvent> events, long revision) {
                onWatch(new Events(events));
            }

            @Override
            public void onReset(ListResult snapshot) {
                onWatch(new Reset(snapshot));
            }

            @Override
            public void onError(Exception e) {
                log.warn("lease watch: {}", e.getMessage());
            }
        }));
        ready = true;
        lastLoop = clock.instant();
        nextResync = lastLoop.plus(opts.resyncInterval());
        loop.add(new ReconcileLoop.Task() {
            @Override
            public Instant wakeAt() {
                return Agent.this.wakeAt();
            }

            @Override
            public void run() {
                step();
            }
        });
        log.info("ready: subnet {} written to {}", lease.subnet(), opts.subnetFile());
    }

    /**
     * A Network that overlaps the underlay subnet would route the hosts' own addresses into the
     * overlay (and hand a container the address of a host). Refused before anything is written.
     *
     * @throws ConfigException naming the Network field, the Network and the underlay subnet
     */
    static void checkApartFromUnderlay(NetworkConfig config, HostContext host) {
        if (config.network().overlaps(host.ifaceSubnet())) {
            throw new ConfigException("Network", config.network() + " overlaps " + host.ifaceSubnet() + ", the underlay subnet"
                    + " of " + host.iface() + " (PublicIP " + host.publicIp() + ") on this host: the overlay must not share"
                    + " addresses with the hosts; give a Network outside " + host.ifaceSubnet());
        }
    }

    /** Brings the backend up for {@code lease}, writes the files and the host rules. */
    private void activate(Lease lease) {
        network.start(lease);
        new SubnetEnv(config.network(), lease.subnet(), network.mtu(), opts.ipMasq())
                .write(opts.subnetFile(), opts.dockerOptsFile());
        rules.ensure(config, lease.subnet(), opts.ipMasq(), peerAddresses());
    }

    /** Runs the reconcile loop on the calling thread until {@link #stop()}. Blocking. */
    public void run() {
        loop.run();
    }

    /** One turn of the loop without waiting, for tests that drive time with a fake clock. */
    void tick() {
        loop.runOnce();
    }

    /** The loop this agent runs on, for the host's other control paths. */
    public ReconcileLoop loop() {
        return loop;
    }

    /** The next resync, renewal or retry. */
    private Instant wakeAt() {
        Instant wake = nextResync;
        Instant other = leaseDown != null ? retry.retryAt() : renewer.nextAction();
        return other != null && other.isBefore(wake) ? other : wake;
    }

    /** A watch's events or snapshot, on the loop thread: noted, reconciled by the next {@link #step}. */
    private void onWatch(Object msg) {
        try {
            pendingChange |= handle(msg);
        } catch (RuntimeException e) {
            log.error("lease watch: {}", e.getMessage(), e);
        }
    }

    /** After the queued events of one loop turn: whatever is due, and a reconcile if the peers changed. Never throws. */
    private void step() {
        lastLoop = clock.instant();
        try {
            boolean changed = pendingChange;
            pendingChange = false;
            if (!needLease) {
                renew();
            }
            changed |= recover();
            network.supervise();
            boolean due = !clock.instant().isBefore(nextResync);
            if (due) {
                // Before the work: a pass that throws must not bring the next one at once (an error flood).
                nextResync = clock.instant().plus(opts.resyncInterval());
                if (!needLease) {
                    repair();
                }
            }
            if (changed || due) {
                reconcile();
            }
        } catch (CrossnetException e) {
            log.error("agent loop: {}", e.getMessage());
        } catch (RuntimeException e) {
            log.error("agent loop failed", e);
        }
    }

    private boolean handle(Object msg) {
        List<LeaseEvent> events;
        if (msg instanceof Events ev) {
            events = watcher.apply(ev.events());
        } else if (msg instanceof Reset r) {
            List<Lease> leases = new ArrayList<>();
            for (var kv : r.snapshot().items()) {
                Lease l = registry.toLease(kv);
                if (l != null) {
                    leases.add(l);
                }
            }
            events = watcher.reset(leases);
            log.info("lease watch re-listed at revision {} ({} leases)", r.snapshot().revision(), watcher.current().size());
        } else {
            return false;
        }
        Lease own = renewer.lease();
        for (LeaseEvent e : events) {
            log.info("{} {} ({})", e instanceof LeaseEvent.Added ? "peer up" : "peer down", e.lease().subnet(),
                    e.lease().attrs().publicIp());
            if (e.lease().subnet().equals(own.subnet()) && lostOwn(e)) {
                lost("was deleted, expired or was taken over in the store");
            }
        }
        return !events.isEmpty();
    }

    private boolean lostOwn(LeaseEvent e) {
        return e instanceof LeaseEvent.Removed || !attrs.publicIp().equals(e.lease().attrs().publicIp());
    }

    private void renew() {
        long failed = renewer.failures();
        try {
            renewer.runIfDue();
        } catch (SubnetManager.LeaseLostException e) {
            lost("could not be renewed: " + e.getMessage());
        }
        if (renewer.failures() > failed) {
            metrics.error(ReconcileErrors.LEASE);
        }
    }

    /**
     * Our lease is gone: say so loudly and take one again ({@link #recover}) now and, while that
     * fails, with backoff. flanneld exits instead (flannel #904). Idempotent while the lease is down.
     */
    private void lost(String why) {
        if (leaseDown != null && needLease) {
            return;
        }
        log.error("OUR LEASE {} {}; re-acquiring", renewer.lease().subnet(), why);
        leaseDown = "lease " + renewer.lease().subnet() + " " + why;
        needLease = true;
        retry.succeeded(); // a fresh loss: try at once
    }

    /**
     * While the lease is down and the backoff allows, takes a lease again (the old subnet if it is
     * free) and sets it up; a failure is counted and retried later.
     *
     * @return whether a lease was taken and set up (the peers must be reconciled for it)
     */
    private boolean recover() {
        if (leaseDown == null || !retry.due()) {
            return false;
        }
        Lease old = renewer.lease();
        try {
            if (needLease) {
                Lease lease = manager.acquire(attrs, opts.leaseTtl(), old.subnet());
                renewer.hold(lease);
                needLease = false;
                if (!lease.subnet().equals(old.subnet())) {
                    log.error("OUR SUBNET CHANGED from {} to {}: containers on the old subnet must be restarted",
                            old.subnet(), lease.subnet());
                } else {
                    log.warn("re-acquired lease {}", lease.subnet());
                }
            }
            activate(renewer.lease());
        } catch (RuntimeException e) {
            metrics.error(ReconcileErrors.LEASE);
            Instant at = retry.failed();
            String what = (needLease ? "re-acquiring lease " : "setting up lease ") + renewer.lease().subnet(); // /readyz names it either way
            leaseDown = what + " failed: " + e.getMessage();
            log.error("{} failed (attempt {}), retrying at {}: {}", what, retry.failures(), at, e.getMessage());
            return false;
        }
        retry.succeeded();
        leaseDown = null;
        return true;
    }

    /**
     * Re-ensures this host's own device, which someone may have deleted or changed, with its address
     * and MTU (udp: the TUN device's address and route). Runs before {@link #reconcile}, whose
     * entries name the device: a deleted vxlan device is made again before its neighbours and FDB
     * entries.
     */
    private void repair() {
        Lease lease = renewer.lease();
        failures.attempt("this host's " + attrs.backendType() + " device and address", () -> network.start(lease));
    }

    /**
     * Programs the peers: forwarding and the iptables chains with their jumps (the encapsulation
     * filter admits the peers), then the backend's entries. Each fails on its own, logged once per
     * change and counted.
     */
    private void reconcile() {
        Subnet own = renewer.lease().subnet();
        if (!failures.attempt("forwarding and iptables rules", () -> rules.ensure(config, own, opts.ipMasq(), peerAddresses()))) {
            metrics.error(ReconcileErrors.PEERS);
        }
        reconcilePeers(peers());
    }

    /** The backend's entries for {@code peers}; fails on its own, logged once per change and counted. */
    private void reconcilePeers(List<Lease> peers) {
        overlay = new Overlay(renewer.lease(), List.copyOf(peers));
        if (failures.attempt(attrs.backendType() + " peers", () -> network.reconcile(peers))) {
            metrics.resynced(peers.size(), clock.instant());
        } else {
            metrics.error(ReconcileErrors.PEERS);
        }
    }

    /** Every lease but ours whose subnet is in the network (immutable; the same list while the store and our lease are unchanged). */
    private List<Lease> peers() {
        Subnet own = renewer.lease().subnet();
        Collection<Lease> leases = watcher.current().values();
        return peerLeases.get(leases, own, () -> {
            List<Lease> peers = new ArrayList<>();
            for (Lease l : leases) {
                if (!l.subnet().equals(own) && config.isLeasable(l.subnet())) {
                    peers.add(l);
                }
            }
            return List.copyOf(peers);
        });
    }

    /**
     * The PublicIPs of every other lease, whatever its backend (flanneld's hosts too): the only
     * sources the encapsulation port accepts, also the Docker path's cluster hosts. Call on the loop
     * thread (or before it runs).
     */
    public Set<IPAddress> peerAddresses() {
        Collection<Lease> leases = watcher.current().values();
        return addresses.get(leases, null, () -> {
            List<IPAddress> ips = new ArrayList<>();
            for (Lease l : leases) {
                IPAddress ip = Peers.publicIp(l);
                if (ip != null && !ip.equals(host.publicIp().withoutPrefixLength())) {
                    ips.add(ip);
                }
            }
            return Ipv4Set.of(ips); // kept until the leases change: 4 bytes a peer
        });
    }

    /** Ready: set up, holding a live lease, and the backend's machinery runs. */
    public boolean isReady() {
        return notReady() == null;
    }

    /** Why the agent is not ready (for {@code /readyz}), or null when it is. Thread-safe. */
    public String notReady() {
        if (stopped) {
            return "stopped";
        }
        if (!ready) {
            return "starting: no lease yet";
        }
        String down = leaseDown;
        if (down != null) {
            return down;
        }
        Lease l = renewer.lease();
        if (!l.isPermanent() && !clock.instant().isBefore(l.expiration())) {
            return "lease " + l.subnet() + " expired at " + l.expiration() + " (renewing it failed)";
        }
        return network.fault();
    }

    /** Alive: the loop went round recently. */
    public boolean isHealthy() {
        return !stopped && Duration.between(lastLoop, clock.instant()).compareTo(opts.resyncInterval().plusSeconds(30)) < 0;
    }

    public Lease lease() {
        return renewer == null ? null : renewer.lease();
    }

    public HostContext host() {
        return host;
    }

    /**
     * This host's lease and its peers as last reconciled, or null before {@link #start()}. Thread-safe.
     *
     * @param own   this host's lease
     * @param peers every other lease in the network
     */
    public record Overlay(Lease own, List<Lease> peers) {
    }

    /** {@link Overlay} now. Thread-safe. */
    public Overlay overlay() {
        return overlay;
    }

    /** The network config in use (set by {@link #start()}). */
    public NetworkConfig config() {
        return config;
    }

    /** The backend's settings in force ({@link Network#settings()}), empty before {@link #start()}. Thread-safe. */
    public java.util.Map<String, String> backendSettings() {
        Network n = network;
        return n == null ? java.util.Map.of() : n.settings();
    }

    /** Ends the loop. Leaves the kernel state and the lease in place. Idempotent. */
    public void stop() {
        stopped = true;
        loop.close();
        if (watch != null) {
            watch.close();
        }
        if (network != null) {
            network.close();
        }
    }

    private record Events(List<WatchEvent> events) {
    }

    private record Reset(ListResult snapshot) {
    }
}

package dev.crossnet.agent;

import dev.crossnet.CrossnetException;
import dev.crossnet.backend.Backend;
import dev.crossnet.backend.HostContext;
import dev.crossnet.backend.Network;
import dev.crossnet.backend.Peers;
import dev.crossnet.kernel.FailureLog;
import dev.crossnet.lease.LeaseRegistry;
import dev.crossnet.lease.LeaseRenewer;
import dev.crossnet.lease.LeaseWatcher;
import dev.crossnet.lease.SubnetManager;
import dev.crossnet.model.BackendConfig;
import dev.crossnet.model.Lease;
import dev.crossnet.model.LeaseAttrs;
import dev.crossnet.model.LeaseEvent;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.model.Subnet;
import dev.crossnet.store.ListResult;
import dev.crossnet.store.Store;
import dev.crossnet.store.Watch;
import dev.crossnet.store.WatchEvent;
import dev.crossnet.store.WatchListener;
import inet.ipaddr.IPAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One host's agent. {@link #start()} does everything up to "ready" synchronously, so bad input
 * fails before anything is written; {@link #run()} then owns a single loop thread that applies lease
 * changes, renews the lease, and every resync interval re-ensures everything it programs (the
 * device with its address and MTU, forwarding, its iptables chains and their jumps, the peers), so
 * kernel state that someone deleted or changed comes back. In the loop each of these fails on its
 * own, logged once per change ({@link FailureLog}) and retried on the next resync.
 * {@link #stop()} ends the loop and leaves the kernel state and the lease in place.
 */
public final class Agent {
    private static final Logger log = LoggerFactory.getLogger(Agent.class);

    /** Everything the command line decides. */
    public record Options(String iface, String publicIp, Path subnetFile, Path dockerOptsFile, Path stateDir,
                          boolean ipMasq, Duration leaseTtl, Duration renewMargin, Duration resyncInterval) {
    }

    private final Options opts;
    private final LeaseRegistry registry;
    private final SubnetManager manager;
    private final Function<BackendConfig.Type, Backend> backends;
    private final HostRules rules;
    private final Clock clock;
    private final Function<Options, HostContext> hostResolver;
    private final BlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
    private final LeaseWatcher watcher;
    private final FailureLog failures = new FailureLog(log);
    private volatile boolean ready;
    private volatile boolean stopped;
    private volatile Instant lastLoop = Instant.EPOCH;

    private HostContext host;
    private NetworkConfig config;
    private Network network;
    private LeaseAttrs attrs;
    private LeaseRenewer renewer;
    private Watch watch;

    public Agent(Options opts, Store store, String prefix, Function<BackendConfig.Type, Backend> backends,
                 HostRules rules, Clock clock) {
        this(opts, store, prefix, backends, rules, clock,
                o -> Underlay.resolve(o.iface(), o.publicIp(), o.stateDir()));
    }

    /** For tests: {@code hostResolver} replaces the lookup of the underlay interface. */
    Agent(Options opts, Store store, String prefix, Function<BackendConfig.Type, Backend> backends,
          HostRules rules, Clock clock, Function<Options, HostContext> hostResolver) {
        this.hostResolver = hostResolver;
        this.opts = opts;
        this.registry = new LeaseRegistry(store, prefix);
        this.manager = new SubnetManager(registry, new SecureRandom());
        this.backends = backends;
        this.rules = rules;
        this.clock = clock;
        this.watcher = new LeaseWatcher(registry);
    }

    /** Acquires the lease and sets everything up. Blocking. @throws CrossnetException on bad input */
    public void start() {
        AtomicFiles.checkWritable(opts.subnetFile(), "--subnet-file");
        if (opts.dockerOptsFile() != null) {
            AtomicFiles.checkWritable(opts.dockerOptsFile(), "--docker-opts-file");
        }
        host = hostResolver.apply(opts);
        config = registry.config();
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
        // The peers before the rules: the encapsulation filter admits them (a restarted agent
        // keeps admitting them; an empty list would drop their traffic until the first reconcile).
        LeaseRegistry.LeaseSnapshot snap = registry.leases(false);
        watcher.reset(snap.leases());
        activate(lease);
        network.reconcile(peers());
        watch = registry.watch(snap.revision(), new WatchListener() {
            @Override
            public void onEvents(List<WatchEvent> events, long revision) {
                inbox.add(new Events(events));
            }

            @Override
            public void onReset(ListResult snapshot) {
                inbox.add(new Reset(snapshot));
            }

            @Override
            public void onError(Exception e) {
                log.warn("lease watch: {}", e.getMessage());
            }
        });
        ready = true;
        lastLoop = clock.instant();
        log.info("ready: subnet {} written to {}", lease.subnet(), opts.subnetFile());
    }

    /** Brings the backend up for {@code lease}, writes the files and the host rules. */
    private void activate(Lease lease) {
        network.start(lease);
        new SubnetEnv(config.network(), lease.subnet(), network.mtu(), opts.ipMasq())
                .write(opts.subnetFile(), opts.dockerOptsFile());
        rules.ensure(config, lease.subnet(), opts.ipMasq(), peerAddresses());
    }

    /** Runs the loop until {@link #stop()}. Blocking; call from the thread that should own it. */
    public void run() {
        Instant nextResync = clock.instant().plus(opts.resyncInterval());
        while (!stopped) {
            lastLoop = clock.instant();
            Instant renewAt = renewer.nextAction();
            Instant wake = renewAt != null && renewAt.isBefore(nextResync) ? renewAt : nextResync;
            long waitMs = Math.max(0, Duration.between(clock.instant(), wake).toMillis());
            Object msg;
            try {
                msg = inbox.poll(Math.min(waitMs, 1000), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            try {
                boolean changed = false;
                while (msg != null) {
                    changed |= handle(msg);
                    msg = inbox.poll();
                }
                boolean due = !clock.instant().isBefore(nextResync);
                if (due) {
                    // Before the work: a pass that throws must not bring the next one at once (an error flood).
                    nextResync = clock.instant().plus(opts.resyncInterval());
                }
                renew();
                if (due) {
                    repair();
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
                reacquire("was deleted or taken over in the store by someone else");
            }
        }
        return !events.isEmpty();
    }

    private boolean lostOwn(LeaseEvent e) {
        return e instanceof LeaseEvent.Removed || !attrs.publicIp().equals(e.lease().attrs().publicIp());
    }

    private void renew() {
        try {
            renewer.runIfDue();
        } catch (SubnetManager.LeaseLostException e) {
            reacquire("could not be renewed: " + e.getMessage());
        }
    }

    /** flanneld exits when its lease vanishes (flannel #904); we take one again and say so loudly. */
    private void reacquire(String why) {
        Lease old = renewer.lease();
        log.error("OUR LEASE {} {}; re-acquiring", old.subnet(), why);
        Lease lease = manager.acquire(attrs, opts.leaseTtl(), old.subnet());
        renewer.hold(lease);
        if (!lease.subnet().equals(old.subnet())) {
            log.error("OUR SUBNET CHANGED from {} to {}: containers on the old subnet must be restarted",
                    old.subnet(), lease.subnet());
        } else {
            log.warn("re-acquired lease {}", lease.subnet());
        }
        activate(lease);
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
     * filter admits the peers), then the backend's entries. Each fails on its own.
     */
    private void reconcile() {
        Subnet own = renewer.lease().subnet();
        failures.attempt("forwarding and iptables rules", () -> rules.ensure(config, own, opts.ipMasq(), peerAddresses()));
        failures.attempt(attrs.backendType() + " peers", () -> network.reconcile(peers()));
    }

    /** Every lease but ours whose subnet is in the network. */
    private List<Lease> peers() {
        Subnet own = renewer.lease().subnet();
        List<Lease> peers = new ArrayList<>();
        for (Lease l : watcher.current().values()) {
            if (!l.subnet().equals(own) && config.isLeasable(l.subnet())) {
                peers.add(l);
            }
        }
        return peers;
    }

    /**
     * The PublicIPs of every other lease, whatever its backend (flanneld's hosts too): the only
     * sources the encapsulation port accepts.
     */
    private Set<IPAddress> peerAddresses() {
        Set<IPAddress> ips = new TreeSet<>();
        for (Lease l : watcher.current().values()) {
            IPAddress ip = Peers.publicIp(l);
            if (ip != null && !ip.equals(host.publicIp().withoutPrefixLength())) {
                ips.add(ip);
            }
        }
        return ips;
    }

    public boolean isReady() {
        return ready && !stopped;
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

    /** Ends the loop. Leaves the kernel state and the lease in place. Idempotent. */
    public void stop() {
        stopped = true;
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

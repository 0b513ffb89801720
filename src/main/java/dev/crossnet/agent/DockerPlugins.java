package dev.crossnet.agent;

import dev.crossnet.CrossnetException;
import dev.crossnet.backend.HostContext;
import dev.crossnet.dns.DockerDns;
import dev.crossnet.docker.AuthzHandler;
import dev.crossnet.docker.Datapath;
import dev.crossnet.docker.DockerStore;
import dev.crossnet.docker.EngineSync;
import dev.crossnet.docker.EngineWakeups;
import dev.crossnet.docker.HostPresence;
import dev.crossnet.docker.HostReaper;
import dev.crossnet.docker.IpamHandler;
import dev.crossnet.docker.NetworkDriver;
import dev.crossnet.docker.api.NetworkDriverApi;
import dev.crossnet.docker.sealed.SealedDatapath;
import dev.crossnet.seal.SealIdentity;
import dev.crossnet.docker.api.PluginDispatcher;
import dev.crossnet.docker.engine.EngineClient;
import dev.crossnet.docker.engine.UnixSocketEngine;
import dev.crossnet.docker.plugin.PluginServer;
import dev.crossnet.ipam.StoreIpam;
import dev.crossnet.kernel.linux.LinuxKernel;
import dev.crossnet.metrics.ReconcileErrors;
import dev.crossnet.reconcile.ReconcileLoop;
import dev.crossnet.store.ListResult;
import dev.crossnet.store.Store;
import dev.crossnet.store.Watch;
import dev.crossnet.store.WatchEvent;
import dev.crossnet.store.WatchListener;
import inet.ipaddr.IPAddress;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's Docker plugins ({@code crossnet agent --docker-plugin}): the {@code crossnet}
 * network, IPAM and authorization drivers on one socket, the store watch that reprograms remote
 * endpoints, the {@link EngineSync} that makes each network appear in this host's dockerd, and
 * (unless turned off) the {@link DockerDns} that makes container names resolve across hosts.
 *
 * <p>Two stages, so that dockerd is never held hostage by an agent that is still starting:
 * {@link #serve} binds the socket at the agent's start, before it holds a lease, with the
 * authorization and IPAM drivers working (they need the store only) and the network driver
 * answering its capabilities and, for everything else, a clear "not ready yet" error;
 * {@link #activate} then, once the agent holds its lease, adopts the kernel state of this host's
 * endpoints, adds the network driver's routes and starts the threads.
 *
 * <p>Names: containers ask Docker's embedded DNS, which forwards what it does not know to the
 * daemon's {@code --dns} servers from inside the container. With {@code dockerd --dns <this host's
 * underlay IP>} (the one-time host setup), the query leaves the container by its default route,
 * through the network's gateway {@code cnbr<vni>} in the host namespace, and reaches the DNS server
 * here with the container's own address as source, which is what scopes the answer.
 *
 * <p>Dead hosts: from {@link #serve} on, this host keeps its {@link HostPresence} record alive, and
 * once active a {@link HostReaper} removes the Docker records of hosts whose record has been gone
 * for the grace period.
 *
 * <p>Threads: the plugin server's, one "docker-presence" thread and one "docker-sync" thread (it
 * talks to dockerd, never to the kernel). Everything that programs the kernel runs on the agent's
 * {@link ReconcileLoop}, shared with the lease path: the store watch's events, a full pass every
 * {@link #RESYNC}, a reaper pass every presence TTL, and the network driver's calls from dockerd.
 * {@link #close} stops the threads and leaves the kernel state and the presence record in place (it
 * lapses by its TTL), so containers keep talking across an agent restart. Thread-safe.
 */
public final class DockerPlugins implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DockerPlugins.class);
    /** The full pass that repairs segments, chains and peers: as often as the agent's default --resync-interval. */
    static final Duration RESYNC = Duration.ofSeconds(5);
    /**
     * The sync's full pass when nothing woke it. It is woken by the store's watch (a network made or
     * removed on another host) and by this dockerd's events ({@link EngineWakeups}); the pass is a
     * safety net for what both missed, so it can be slow.
     */
    static final Duration SYNC_INTERVAL = Duration.ofSeconds(10);

    private final Store store;
    private final String prefix;
    private final String hostName;
    private final DockerStore docker;
    private final PluginDispatcher dispatcher;
    private final PluginServer server;
    private final CounterDataPoint errors;
    private final HostPresence presence;
    private final HostReaper.Timing liveness;
    private final PrometheusRegistry metrics;
    private SealedDatapath sealed;
    private Watch watch;
    private EngineSync sync;
    private Thread syncThread;
    private EngineWakeups wakeups;
    private DockerDns dns;

    private DockerPlugins(Store store, String prefix, String hostName, DockerStore docker, PluginDispatcher dispatcher,
                          PluginServer server, CounterDataPoint errors, HostPresence presence, HostReaper.Timing liveness,
                          PrometheusRegistry metrics) {
        this.metrics = metrics;
        this.presence = presence;
        this.liveness = liveness;
        this.store = store;
        this.prefix = prefix;
        this.hostName = hostName;
        this.docker = docker;
        this.dispatcher = dispatcher;
        this.server = server;
        this.errors = errors;
    }

    /**
     * Serves the plugins on {@code socket} from now on: authorization and IPAM fully, the network
     * driver once {@link #activate}d. Returns once dockerd can connect. Touches no store and no kernel.
     *
     * Writes this host's presence record first, so that nothing of this host is written while it
     * looks absent.
     *
     * @param hostName this host's name in the store, for its endpoints and IPAM claims
     * @param liveness this host's presence TTL and how long other hosts may be absent before reaping
     * @throws CrossnetException if the socket cannot be served or the presence record written
     */
    public static DockerPlugins serve(Store store, String prefix, String hostName, Path socket, PrometheusRegistry metrics,
                                      HostReaper.Timing liveness) {
        DockerStore docker = new DockerStore(store, prefix);
        PluginDispatcher dispatcher = new PluginDispatcher()
                .unavailable("the crossnet agent on host " + hostName + " is starting and holds no subnet lease yet"
                        + " (see its log); try again in a moment")
                .implement(NetworkDriverApi.IMPLEMENTS)
                .route(NetworkDriverApi.GET_CAPABILITIES, Object.class, req -> NetworkDriver.CAPABILITIES);
        new IpamHandler(new StoreIpam(store, prefix, hostName)).register(dispatcher);
        new AuthzHandler(docker, hostName).register(dispatcher);
        HostPresence presence = HostPresence.start(store, docker, hostName, liveness.presenceTtl(), Clock.systemUTC());
        PluginServer server;
        try {
            server = PluginServer.start(socket, dispatcher);
        } catch (RuntimeException e) {
            presence.close();
            throw e;
        }
        log.info("docker plugins for host {} on {}: authz and IPAM ready, network driver once the lease is held", hostName, socket);
        return new DockerPlugins(store, prefix, hostName, docker, dispatcher, server,
                ReconcileErrors.in(metrics).labelValues(ReconcileErrors.DOCKER), presence, liveness, metrics);
    }

    /**
     * Starts the name service, adopts the kernel state of this host's endpoints, adds the network
     * driver's routes, and puts the store watch, the periodic passes and the driver's kernel-changing
     * calls on {@code loop}; starts the dockerd sync. Blocking; call once, with {@code loop} running.
     *
     * @param host         this host (the agent's record; its name becomes this plugin's host name)
     * @param dockerSocket this host's dockerd API socket, e.g. {@code /var/run/docker.sock}
     * @param dnsListen    where to answer DNS for container names (this host's own address, never the
     *                     wildcard), or null for no name service
     * @param loop         the reconcile loop the lease path runs on
     * @param clusterHosts the PublicIPs of the cluster's other hosts (their leases, as the lease path
     *                     knows them), read on the loop thread at every pass
     * @param seal         this host's seal identity; when it has one, the encrypted networks'
     *                     {@link SealedDatapath} starts and its certificate is published, else
     *                     {@code --opt encrypted} is refused with the supplier's reason
     * @param sealedOffloads whether the encrypted networks' datapath uses TAP and UDP offloads and batches
     * @param sealLimits   key lifetimes of the encrypted networks' tunnels
     * @throws CrossnetException if {@code dnsListen} cannot be bound or the store cannot be read; the
     *                           caller then {@link #close}s
     */
    public synchronized void activate(HostContext host, LinuxKernel kernel, Path dockerSocket, InetSocketAddress dnsListen,
                                      ReconcileLoop loop, Supplier<Collection<IPAddress>> clusterHosts,
                                      Supplier<SealIdentity> seal, boolean sealedOffloads, dev.crossnet.seal.Limits sealLimits) {
        // The name service first: a bad --dns-listen fails before anything else runs.
        if (dnsListen != null) {
            try {
                dns = DockerDns.start(store, new DockerDns.Options(new EngineClient(dockerSocket), dnsListen, hostName, prefix,
                        DockerDns.DEFAULT_TTL));
            } catch (CrossnetException e) {
                throw new CrossnetException("--dns-listen: cannot answer container names on udp " + dnsListen + " ("
                        + e.getMessage() + "); give another address, or --no-docker-dns", e);
            }
        }
        Datapath datapath = new Datapath(kernel, kernel.segments(), host.withName(hostName), errors::inc);
        startSealed(datapath, host, seal, sealedOffloads, sealLimits);
        NetworkDriver driver = new NetworkDriver(docker, datapath, Clock.systemUTC(), clusterHosts).onLoop(loop);
        sync = new EngineSync(docker, new UnixSocketEngine(dockerSocket), hostName, SYNC_INTERVAL, Clock.systemUTC());
        HostReaper reaper = new HostReaper(store, prefix, hostName, liveness.reapAfter(), Clock.systemUTC());
        Passes passes = new Passes(driver, reaper, liveness.presenceTtl());
        long rev = loop.call(() -> {
            driver.reconcile(true);
            return store.list(docker.root()).revision();
        });
        driver.register(dispatcher);
        dispatcher.unavailable(null);
        // One watch on the Docker prefix; its events and re-listed snapshots run on the loop thread,
        // but the sync is woken on the watch's own thread first: a network made elsewhere reaches this
        // dockerd without waiting for a reconcile pass in progress (docs/benchmarks.md, "Docker networks follow
        // dockerd's events").
        WatchListener onLoop = loop.onLoop(new WatchListener() {
            @Override
            public void onEvents(List<WatchEvent> events, long revision) {
                if (events.stream().anyMatch(e -> e.key().startsWith(docker.endpointsPrefix()))) {
                    passes.endpointsChanged = true;
                }
            }

            @Override
            public void onReset(ListResult snapshot) {
                passes.fullDue = true;
            }
        });
        watch = store.watch(docker.root(), rev, new WatchListener() {
            @Override
            public void onEvents(List<WatchEvent> events, long revision) {
                if (events.stream().anyMatch(e -> e.key().startsWith(docker.networksPrefix()))) {
                    log.debug("store watch: a network changed at revision {}; waking the docker sync", revision);
                    sync.wake();
                }
                onLoop.onEvents(events, revision);
            }

            @Override
            public void onReset(ListResult snapshot) {
                sync.wake();
                onLoop.onReset(snapshot);
            }

            @Override
            public void onError(Exception e) {
                onLoop.onError(e);
            }
        });
        loop.add(passes);
        syncThread = new Thread(sync, "docker-sync");
        syncThread.setDaemon(true);
        syncThread.start();
        wakeups = EngineWakeups.start(new EngineClient(dockerSocket), sync::wake);
        log.info("docker plugins (NetworkDriver, IpamDriver, authz) for host {} on {}; dockerd at {}; names {}", hostName,
                server.socket(), dockerSocket, dns == null ? "off" : "on udp " + dns.address());
    }

    /**
     * Starts the encrypted networks' datapath when this host has a seal identity, and publishes its
     * certificate for the other hosts; else tells the datapath why encrypted networks are refused.
     */
    private void startSealed(Datapath datapath, HostContext host, Supplier<SealIdentity> seal, boolean offloads,
                             dev.crossnet.seal.Limits limits) {
        try {
            SealIdentity id = seal.get();
            sealed = SealedDatapath.start(id, host.publicIp(), limits, metrics, docker::sealCertificates, offloads);
            docker.putSealCertificate(hostName, id.certificate());
            datapath.sealedBy(sealed, null);
        } catch (RuntimeException e) {
            // Never fatal to the plugins: plain networks work, encrypted ones are refused with the reason.
            // The identity's loader speaks of the udp backend's field; here the flag is --opt encrypted.
            String why = String.valueOf(e.getMessage()).replaceFirst("^Backend\\.Encrypt: the network is encrypted, but ", "");
            if (sealed != null) {
                sealed.close(); // started, but its certificate could not be published: no peer could reach it
                sealed = null;
            }
            datapath.sealedBy(null, why);
            log.info("encrypted docker networks are off on this host: {}", why);
        }
    }

    /**
     * The Docker path's work on the loop: the endpoints' peers when the watch saw them change, a
     * full pass (segments, chains, peers) every {@link #RESYNC} or after the watch re-listed, and
     * the reaper every presence TTL. Loop thread only.
     */
    private final class Passes implements ReconcileLoop.Task {
        private final NetworkDriver driver;
        private final HostReaper reaper;
        private final Duration reapEvery;
        boolean endpointsChanged;
        boolean fullDue;
        private Instant nextFull;
        private Instant nextReap;

        Passes(NetworkDriver driver, HostReaper reaper, Duration reapEvery) {
            this.driver = driver;
            this.reaper = reaper;
            this.reapEvery = reapEvery;
            Instant now = Clock.systemUTC().instant();
            nextFull = now.plus(RESYNC);
            nextReap = now.plus(reapEvery);
        }

        @Override
        public Instant wakeAt() {
            return endpointsChanged || fullDue ? Instant.EPOCH : nextFull.isBefore(nextReap) ? nextFull : nextReap;
        }

        @Override
        public void run() {
            Instant now = Clock.systemUTC().instant();
            if (fullDue || !now.isBefore(nextFull)) {
                // Set before the work: a pass that throws must not bring the next one at once (an error flood).
                nextFull = now.plus(RESYNC);
                fullDue = false;
                endpointsChanged = false;
                guarded(() -> driver.reconcile(true));
            } else if (endpointsChanged) {
                endpointsChanged = false;
                guarded(() -> driver.reconcile(false));
            }
            if (!now.isBefore(nextReap)) {
                nextReap = now.plus(reapEvery);
                guarded(reaper::pass);
            }
        }
    }

    private void guarded(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            errors.inc();
            log.warn("docker reconcile: {}", e.getMessage());
        }
    }

    /** Where container names are answered, or null when the name service is off. */
    public synchronized InetSocketAddress dnsAddress() {
        return dns == null ? null : dns.address();
    }

    /** Stops every thread; the kernel state and this host's name records stay (records expire by TTL). Idempotent. */
    @Override
    public synchronized void close() {
        if (dns != null) {
            dns.close();
        }
        server.close();
        presence.close();
        if (watch != null) {
            watch.close();
        }
        if (sync != null) {
            sync.close();
        }
        if (wakeups != null) {
            wakeups.close();
        }
        if (sealed != null) {
            sealed.close();
        }
        try {
            if (syncThread != null) {
                syncThread.join(2000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

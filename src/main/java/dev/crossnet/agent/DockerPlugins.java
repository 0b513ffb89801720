package dev.crossnet.agent;

import dev.crossnet.CrossnetException;
import dev.crossnet.dns.DockerDns;
import dev.crossnet.docker.AuthzHandler;
import dev.crossnet.docker.Datapath;
import dev.crossnet.docker.DockerStore;
import dev.crossnet.docker.EngineSync;
import dev.crossnet.docker.HostPresence;
import dev.crossnet.docker.HostReaper;
import dev.crossnet.docker.IpamHandler;
import dev.crossnet.docker.NetworkDriver;
import dev.crossnet.docker.api.PluginDispatcher;
import dev.crossnet.docker.engine.EngineClient;
import dev.crossnet.docker.engine.UnixSocketEngine;
import dev.crossnet.docker.plugin.PluginServer;
import dev.crossnet.ipam.StoreIpam;
import dev.crossnet.kernel.linux.LinuxKernel;
import dev.crossnet.store.ListResult;
import dev.crossnet.store.Store;
import dev.crossnet.store.Watch;
import dev.crossnet.store.WatchEvent;
import dev.crossnet.store.WatchListener;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's Docker plugins ({@code crossnet agent --docker-plugin}): the {@code crossnet}
 * network, IPAM and authorization drivers on one socket, the store watch that reprograms remote
 * endpoints, the {@link EngineSync} that makes each network appear in this host's dockerd, and
 * (unless turned off) the {@link DockerDns} that makes container names resolve across hosts.
 *
 * <p>Names: containers ask Docker's embedded DNS, which forwards what it does not know to the
 * daemon's {@code --dns} servers from inside the container. With {@code dockerd --dns <this host's
 * underlay IP>} (the one-time host setup), the query leaves the container by its default route,
 * through the network's gateway {@code cnbr<vni>} in the host namespace, and reaches the DNS server
 * here with the container's own address as source, which is what scopes the answer.
 *
 * <p>Dead hosts: this host keeps its {@link HostPresence} record alive, and a {@link HostReaper}
 * removes the Docker records of hosts whose record has been gone for the grace period.
 *
 * <p>Threads: the plugin server's, one "docker-reconcile" thread (store events, a full pass
 * every {@link #RESYNC}, a reaper pass every presence TTL), one "docker-sync" thread and one
 * "docker-presence" thread. {@link #close} stops them all and leaves the kernel state and the
 * presence record in place (it lapses by its TTL), so containers keep talking across an agent restart.
 */
public final class DockerPlugins implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DockerPlugins.class);
    static final Duration RESYNC = Duration.ofSeconds(10);
    static final Duration SYNC_INTERVAL = Duration.ofMillis(200);

    private final PluginServer server;
    private final Watch watch;
    private final ScheduledExecutorService reconciler;
    private final EngineSync sync;
    private final Thread syncThread;
    private final DockerDns dns;
    private final HostPresence presence;

    private DockerPlugins(PluginServer server, Watch watch, ScheduledExecutorService reconciler, EngineSync sync,
                          Thread syncThread, DockerDns dns, HostPresence presence) {
        this.dns = dns;
        this.presence = presence;
        this.server = server;
        this.watch = watch;
        this.reconciler = reconciler;
        this.sync = sync;
        this.syncThread = syncThread;
    }

    /**
     * Adopts the kernel state of this host's endpoints, then serves the plugins on {@code socket}
     * and starts the threads. Blocking until the socket is ready.
     *
     * @param dockerSocket this host's dockerd API socket, e.g. {@code /var/run/docker.sock}
     * @param dnsListen    where to answer DNS for container names (this host's own address, never the
     *                     wildcard), or null for no name service
     * @param liveness     this host's presence TTL and how long other hosts may be absent before reaping
     * @throws CrossnetException if {@code dnsListen} cannot be bound; nothing is left running
     */
    public static DockerPlugins start(Store store, String prefix, Datapath.Host host, LinuxKernel kernel, Path socket,
                                      Path dockerSocket, InetSocketAddress dnsListen, HostReaper.Timing liveness) {
        // The name service first: a bad --dns-listen fails before anything else runs.
        DockerDns dns = null;
        if (dnsListen != null) {
            try {
                dns = DockerDns.start(store, new DockerDns.Options(new EngineClient(dockerSocket), dnsListen, host.name(), prefix,
                        DockerDns.DEFAULT_TTL));
            } catch (CrossnetException e) {
                throw new CrossnetException("--dns-listen: cannot answer container names on udp " + dnsListen + " ("
                        + e.getMessage() + "); give another address, or --no-docker-dns", e);
            }
        }
        try {
            return start(store, prefix, host, kernel, socket, dockerSocket, dns, liveness);
        } catch (RuntimeException e) {
            if (dns != null) {
                dns.close();
            }
            throw e;
        }
    }

    private static DockerPlugins start(Store store, String prefix, Datapath.Host host, LinuxKernel kernel, Path socket,
                                       Path dockerSocket, DockerDns dns, HostReaper.Timing liveness) {
        DockerStore docker = new DockerStore(store, prefix);
        NetworkDriver driver = new NetworkDriver(docker, new Datapath(kernel, kernel.segments(), host), Clock.systemUTC());
        driver.reconcile(true);
        PluginDispatcher dispatcher = new PluginDispatcher();
        driver.register(dispatcher);
        new IpamHandler(new StoreIpam(store, prefix, host.name())).register(dispatcher);
        new AuthzHandler(docker, driver, host.name()).register(dispatcher);
        EngineSync sync = new EngineSync(docker, new UnixSocketEngine(dockerSocket), host.name(), SYNC_INTERVAL,
                Clock.systemUTC());
        ScheduledExecutorService reconciler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "docker-reconcile");
            t.setDaemon(true);
            return t;
        });
        reconciler.scheduleWithFixedDelay(() -> guarded(() -> driver.reconcile(true)), RESYNC.toMillis(), RESYNC.toMillis(),
                TimeUnit.MILLISECONDS);
        long rev = store.list(docker.root()).revision();
        Watch watch = store.watch(docker.root(), rev, new WatchListener() {
            @Override
            public void onEvents(List<WatchEvent> events, long revision) {
                if (events.stream().anyMatch(e -> e.key().startsWith(docker.endpointsPrefix()))) {
                    reconciler.execute(() -> guarded(() -> driver.reconcile(false)));
                }
                if (events.stream().anyMatch(e -> e.key().startsWith(docker.networksPrefix()))) {
                    sync.wake();
                }
            }

            @Override
            public void onReset(ListResult snapshot) {
                reconciler.execute(() -> guarded(() -> driver.reconcile(true)));
                sync.wake();
            }
        });
        Thread syncThread = new Thread(sync, "docker-sync");
        syncThread.setDaemon(true);
        syncThread.start();
        // Present before serving: no record of this host is written while it looks absent.
        HostPresence presence = HostPresence.start(store, docker, host.name(), liveness.presenceTtl(), Clock.systemUTC());
        HostReaper reaper = new HostReaper(store, prefix, host.name(), liveness.reapAfter(), Clock.systemUTC());
        long reapEvery = liveness.presenceTtl().toMillis();
        reconciler.scheduleWithFixedDelay(() -> guarded(reaper::pass), reapEvery, reapEvery, TimeUnit.MILLISECONDS);
        PluginServer server = PluginServer.start(socket, dispatcher);
        log.info("docker plugins (NetworkDriver, IpamDriver, authz) for host {} on {}; dockerd at {}; names {}", host.name(),
                socket, dockerSocket, dns == null ? "off" : "on udp " + dns.address());
        return new DockerPlugins(server, watch, reconciler, sync, syncThread, dns, presence);
    }

    private static void guarded(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            log.warn("docker reconcile: {}", e.getMessage());
        }
    }

    /** Where container names are answered, or null when the name service is off. */
    public InetSocketAddress dnsAddress() {
        return dns == null ? null : dns.address();
    }

    /** Stops every thread; the kernel state and this host's name records stay (records expire by TTL). */
    @Override
    public void close() {
        if (dns != null) {
            dns.close();
        }
        server.close();
        presence.close();
        watch.close();
        sync.close();
        reconciler.shutdownNow();
        try {
            syncThread.join(2000);
            reconciler.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

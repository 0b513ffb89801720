package dev.crossnet.agent;

import dev.crossnet.docker.AuthzHandler;
import dev.crossnet.docker.Datapath;
import dev.crossnet.docker.DockerStore;
import dev.crossnet.docker.EngineSync;
import dev.crossnet.docker.IpamHandler;
import dev.crossnet.docker.NetworkDriver;
import dev.crossnet.docker.api.PluginDispatcher;
import dev.crossnet.docker.engine.UnixSocketEngine;
import dev.crossnet.docker.plugin.PluginServer;
import dev.crossnet.ipam.StoreIpam;
import dev.crossnet.kernel.linux.LinuxKernel;
import dev.crossnet.store.ListResult;
import dev.crossnet.store.Store;
import dev.crossnet.store.Watch;
import dev.crossnet.store.WatchEvent;
import dev.crossnet.store.WatchListener;
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
 * endpoints, and the {@link EngineSync} that makes each network appear in this host's dockerd.
 *
 * <p>Threads: the plugin server's, one "docker-reconcile" thread (store events and a full pass
 * every {@link #RESYNC}) and one "docker-sync" thread. {@link #close} stops them all and leaves the
 * kernel state in place, so containers keep talking across an agent restart.
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

    private DockerPlugins(PluginServer server, Watch watch, ScheduledExecutorService reconciler, EngineSync sync,
                          Thread syncThread) {
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
     */
    public static DockerPlugins start(Store store, String prefix, Datapath.Host host, LinuxKernel kernel, Path socket,
                                      Path dockerSocket) {
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
        PluginServer server = PluginServer.start(socket, dispatcher);
        log.info("docker plugins (NetworkDriver, IpamDriver, authz) for host {} on {}; dockerd at {}", host.name(), socket,
                dockerSocket);
        return new DockerPlugins(server, watch, reconciler, sync, syncThread);
    }

    private static void guarded(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            log.warn("docker reconcile: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        server.close();
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

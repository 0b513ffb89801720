package dev.crossnet.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crossnet.backend.Backends;
import dev.crossnet.dashboard.DashboardServer;
import dev.crossnet.backend.HostContext;
import dev.crossnet.docker.HostReaper;
import dev.crossnet.kernel.linux.LinuxKernel;
import dev.crossnet.reconcile.ReconcileLoop;
import dev.crossnet.status.AgentPresence;
import dev.crossnet.status.ClusterStatus;
import dev.crossnet.status.ClusterStatusReader;
import dev.crossnet.seal.SealIdentity;
import dev.crossnet.store.Store;
import java.util.function.Supplier;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code crossnet agent} once its flags are parsed: chooses the implementations (the host's Linux
 * kernel, the backend of the network config, the metrics registry), makes the one {@link
 * ReconcileLoop} that the lease path ({@link Agent}) and the Docker path ({@link DockerPlugins})
 * share, and starts the threads: the loop ("reconcile"), the health server's and the Docker
 * plugins'. On SIGTERM it stops them and leaves the kernel state and the lease in place, so
 * containers keep talking across a restart.
 */
public final class AgentRuntime {
    private static final Logger log = LoggerFactory.getLogger(AgentRuntime.class);
    /** Where container names are answered, on the chosen address. */
    public static final int DNS_PORT = 53;

    /**
     * Everything the flags decide, checked by the command line.
     *
     * @param healthzPort  0 for no health server
     * @param dockerPlugin the plugin socket, or null for no Docker plugins
     * @param dnsListen    the name service's address, or null for the public IP
     * @param hostName     this host's name in the store
     * @param dashboard    the dashboard's address, or null for none
     * @param storeKind    the store's kind and endpoints, as the status document names them
     * @param seal         this host's seal key and certificates, asked for only by an encrypted udp network
     *                     and by the Docker plugins (for encrypted Docker networks)
     * @param dockerEncryptedOffloads whether encrypted Docker networks use TAP and UDP offloads and batches
     * @param dockerSeal   key lifetimes of the encrypted Docker networks' tunnels ({@code --docker-rekey-after})
     */
    public record Settings(Agent.Options agent, String healthzIp, int healthzPort, Path dockerPlugin, Path dockerHost,
                           InetAddress dnsListen, boolean noDockerDns, HostReaper.Timing liveness, String hostName,
                           InetSocketAddress dashboard, ClusterStatus.StoreHealth storeKind, Supplier<SealIdentity> seal,
                           boolean dockerEncryptedOffloads, dev.crossnet.seal.Limits dockerSeal) {
    }

    private AgentRuntime() {
    }

    /**
     * Runs the agent on {@code store} until the JVM is asked to stop. Blocking.
     *
     * @throws dev.crossnet.CrossnetException on bad input found while starting (nothing half-written)
     */
    public static void run(Settings s, Store store, String prefix) {
        LinuxKernel kernel = LinuxKernel.host();
        PrometheusRegistry metrics = new PrometheusRegistry();
        Clock clock = Clock.systemUTC();
        ReconcileLoop loop = new ReconcileLoop(clock);
        Agent agent = new Agent(s.agent(), store, prefix, type -> Backends.create(type, kernel, metrics, s.seal()),
                new KernelHostRules(kernel, metrics), clock, metrics, loop);
        HealthServer health = null;
        DockerPlugins docker = null;
        DashboardServer dashboard = null;
        if (s.healthzPort() != 0) {
            health = new HealthServer(s.healthzIp(), s.healthzPort(), agent::isHealthy, agent::notReady, metrics);
        }
        try {
            if (s.dashboard() != null) {
                // Up before the lease, so a host that cannot get one can be seen failing.
                ClusterStatusReader reader = new ClusterStatusReader(store, prefix, s.storeKind(), clock);
                ObjectMapper json = ClusterStatus.mapper();
                dashboard = new DashboardServer(s.dashboard(), () -> json.valueToTree(reader.read(s.hostName())));
            }
            if (s.dockerPlugin() != null) {
                // Served before the lease: dockerd's authorization calls must be answered from now on.
                docker = DockerPlugins.serve(store, prefix, s.hostName(), s.dockerPlugin(), metrics, s.liveness());
            }
            agent.start();
            AgentPresence status = AgentPresence.start(store, s.hostName(), agent.lease().attrs().publicIp(), agent::notReady, clock);
            StatusFeed feed = StatusFeed.start(agent, store, s.hostName(), clock);
            CountDownLatch done = new CountDownLatch(1);
            Thread reconcile = new Thread(() -> {
                try {
                    agent.run();
                } finally {
                    done.countDown();
                }
            }, "reconcile");
            reconcile.start();
            if (docker != null) {
                HostContext h = agent.host();
                try {
                    docker.activate(h, kernel, s.dockerHost(), s.noDockerDns() ? null
                            : new InetSocketAddress(s.dnsListen() != null ? s.dnsListen() : h.publicIp().toInetAddress(),
                            DNS_PORT), loop, agent::peerAddresses, s.seal(), s.dockerEncryptedOffloads(), s.dockerSeal());
                } catch (RuntimeException e) {
                    agent.stop();
                    throw e;
                }
            }
            // SIGTERM: stop the loop, keep the kernel state and the lease, so containers keep talking.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                log.info("stopping; kernel state and lease {} stay in place", agent.lease() == null ? "-" : agent.lease().subnet());
                status.close(); // "stopped" in node ls at once
                feed.close();
                agent.stop();
                try {
                    done.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "agent-shutdown"));
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (dashboard != null) {
                dashboard.close();
            }
            if (docker != null) {
                docker.close();
            }
            if (health != null) {
                health.close();
            }
        }
    }
}

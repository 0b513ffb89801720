package dev.crossnet.docker;

import dev.crossnet.docker.DockerStore.HostAttachment;
import dev.crossnet.docker.engine.Engine;
import dev.crossnet.docker.engine.EngineNetwork;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this host's dockerd in line with the cluster's crossnet networks, through the Engine API:
 * <ol>
 *   <li>publishes what Docker does not tell drivers (name, {@code --ip-range}, attachable, labels,
 *       IPAM options) of networks created here, so other hosts can create them;</li>
 *   <li>creates every published network missing here, with {@code -o dev.crossnet.network=ID};</li>
 *   <li>removes here the Docker networks whose crossnet network was removed elsewhere;</li>
 *   <li>records container names with this host's endpoints (for {@code crossnet network inspect}).</li>
 * </ol>
 * {@link #tick} is one idempotent pass; {@link #run} does one at once when {@link #wake}d (the
 * store's watch does so on network changes, {@link EngineWakeups} on this dockerd's network events),
 * and otherwise every {@code interval}, a slow safety net. Errors are logged and
 * retried; a network whose creation failed is retried after {@link #RETRY}. Not thread-safe apart
 * from {@link #wake} and {@link #close}.
 */
public final class EngineSync implements Runnable, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EngineSync.class);
    static final Duration RETRY = Duration.ofSeconds(5);

    private final DockerStore store;
    private final Engine engine;
    private final String host;
    private final Duration interval;
    private final Clock clock;
    private final LinkedBlockingQueue<Boolean> wakeups = new LinkedBlockingQueue<>();
    private final Map<String, Instant> failedAt = new HashMap<>();
    private volatile boolean closed;
    private boolean engineDown;

    public EngineSync(DockerStore store, Engine engine, String host, Duration interval, Clock clock) {
        this.store = store;
        this.engine = engine;
        this.host = host;
        this.interval = interval;
        this.clock = clock;
    }

    /** Makes {@link #run} do a pass now. Thread-safe. */
    public void wake() {
        wakeups.offer(Boolean.TRUE);
    }

    @Override
    public void run() {
        while (!closed) {
            try {
                tick();
                if (engineDown) {
                    log.info("dockerd answers again");
                    engineDown = false;
                }
            } catch (RuntimeException e) {
                if (!engineDown) {
                    log.warn("docker sync: {}", e.getMessage());
                }
                engineDown = true;
            }
            try {
                // A network whose creation failed is retried after RETRY even when nothing wakes us.
                Duration wait = failedAt.isEmpty() || RETRY.compareTo(interval) > 0 ? interval : RETRY;
                wakeups.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
                wakeups.clear();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** One pass. Blocking. */
    public void tick() {
        log.debug("docker sync: a pass");
        List<EngineNetwork> here = engine.networks("crossnet");
        Map<String, HostAttachment> mine = store.attachmentsOf(host);
        Map<String, NetworkRecord> nets = new LinkedHashMap<>();
        store.networks().forEach(n -> nets.put(n.id(), n));
        Set<String> present = new HashSet<>();
        for (EngineNetwork d : here) {
            HostAttachment a = mine.get(d.id());
            if (a == null) {
                continue; // not (yet) a crossnet network: its CreateNetwork is in flight, or it failed
            }
            NetworkRecord n = nets.get(a.networkId());
            if (n == null) {
                log.info("network {} was removed from the cluster; removing docker network {} here", d.name(), d.id());
                engine.removeNetwork(d.id());
                continue;
            }
            present.add(n.id());
            if (!n.isPublished()) {
                Map<String, String> ipamOptions = new LinkedHashMap<>(d.ipamOptions());
                store.updateNetwork(n.id(), x -> x.isPublished() ? x
                        : x.published(d.name(), d.ipRange(), d.attachable(), d.labels(), ipamOptions));
                log.info("published network {} ({}, VNI {})", d.name(), n.subnet(), n.vni());
            }
        }
        Set<String> namesHere = here.stream().map(EngineNetwork::name).collect(Collectors.toSet());
        for (NetworkRecord n : nets.values()) {
            if (!n.isPublished() || present.contains(n.id()) || namesHere.contains(n.name())) {
                continue;
            }
            Instant failed = failedAt.get(n.id());
            if (failed != null && clock.instant().isBefore(failed.plus(RETRY))) {
                continue;
            }
            try {
                log.debug("creating network {} in dockerd", n.name());
                String id = engine.createNetwork(specOf(n));
                failedAt.remove(n.id());
                log.info("created network {} here as docker network {}", n.name(), id);
            } catch (RuntimeException e) {
                failedAt.put(n.id(), clock.instant());
                log.warn("cannot create network {} here: {}", n.name(), e.getMessage());
            }
        }
        nameContainers(mine);
    }

    /** What {@code POST /networks/create} needs to make {@code n} on this host. */
    static EngineNetwork.Spec specOf(NetworkRecord n) {
        Map<String, String> options = new LinkedHashMap<>(n.options());
        options.put(NetworkDriver.NETWORK_OPTION, n.id());
        return new EngineNetwork.Spec(n.name(), "crossnet", n.subnet(), n.gateway(), n.ipRange(), n.ipamDriver(),
                n.ipamOptions(), options, n.labels(), n.attachable());
    }

    private void nameContainers(Map<String, HostAttachment> mine) {
        Map<String, String> dockerIdOf = new HashMap<>();
        mine.values().forEach(a -> dockerIdOf.put(a.networkId(), a.dockerId()));
        Map<String, Map<String, String>> byNetwork = new HashMap<>();
        for (EndpointRecord e : store.endpoints(null)) {
            if (!e.host().equals(host) || !e.container().isEmpty() || !dockerIdOf.containsKey(e.networkId())) {
                continue;
            }
            Map<String, String> names = byNetwork.computeIfAbsent(e.networkId(), id ->
                    engine.network(dockerIdOf.get(id)).map(EngineNetwork::containers).orElse(Map.of()));
            String name = names.get(e.endpointId());
            if (name != null && !name.isEmpty()) {
                store.updateEndpoint(e.networkId(), e.endpointId(), x -> x.withContainer(name));
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        wake();
    }
}

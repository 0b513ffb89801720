package dev.crossnet.dns;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crossnet.docker.engine.EngineClient;
import dev.crossnet.docker.engine.EngineEvent;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the names the local dockerd knows, for networks that use crossnet (driver or IPAM
 * driver {@value #DRIVER}), into the store through a {@link NameRegistry}.
 *
 * <p>How it works. Docker's plugin protocol never tells a driver a container's name, so this
 * follows the Engine API instead: it opens {@code GET /events} (network connect/disconnect,
 * container destroy) <em>first</em>, then lists the crossnet networks and their containers and
 * reconciles the store with them, then applies events as they come. A connect inspects the
 * container (name, {@code --network-alias}es, address on that network) and writes one record; a
 * disconnect or destroy deletes. When the stream breaks (dockerd restarts), it reconnects after
 * {@link #RETRY} and reconciles again, so missed events cost nothing. Records are kept alive every
 * TTL/3.
 *
 * <p>Thread-safe; {@link #close} is idempotent and stops both threads. Records are left in the
 * store on close: a restarted registrar reconciles them, a dead host's expire.
 */
public final class DockerNames implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DockerNames.class);
    /** The driver name crossnet's plugins are served under, as network or IPAM driver. */
    public static final String DRIVER = "crossnet";
    static final Duration RETRY = Duration.ofSeconds(1);
    static final Map<String, List<String>> FILTERS = Map.of(
            "type", List.of("network", "container"),
            "event", List.of("connect", "disconnect", "destroy"));

    /** What a connect needs to know about a network, cached by id. */
    record NetworkInfo(String id, String name, boolean crossnet) {
    }

    private final EngineClient docker;
    private final NameRegistry registry;
    private final Map<String, NetworkInfo> networks = new ConcurrentHashMap<>();
    private final CountDownLatch synced = new CountDownLatch(1);
    private final Thread follower;
    private final ScheduledExecutorService keepAlive;
    private volatile EngineClient.Events events;
    private volatile boolean closed;

    private DockerNames(EngineClient docker, NameRegistry registry) {
        this.docker = docker;
        this.registry = registry;
        this.follower = new Thread(this::follow, "docker-names");
        this.follower.setDaemon(true);
        this.keepAlive = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "docker-names-keepalive");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts following {@code docker}; returns at once (see {@link #awaitSynced}). */
    public static DockerNames start(EngineClient docker, NameRegistry registry) {
        DockerNames d = new DockerNames(docker, registry);
        d.follower.start();
        long every = Math.max(1, registry.ttl().toMillis() / 3);
        d.keepAlive.scheduleWithFixedDelay(d::refresh, every, every, TimeUnit.MILLISECONDS);
        return d;
    }

    /** Blocks until the first reconcile is done or {@code timeout} passes; returns whether it is done. */
    public boolean awaitSynced(Duration timeout) throws InterruptedException {
        return synced.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void follow() {
        while (!closed) {
            try (EngineClient.Events ev = docker.events(FILTERS)) {
                events = ev;
                resync();
                synced.countDown();
                for (EngineEvent e = ev.next(); e != null && !closed; e = ev.next()) {
                    handle(e);
                }
                if (!closed) {
                    log.warn("docker names: the event stream of {} ended; reconnecting", docker.socket());
                }
            } catch (IOException | RuntimeException e) {
                if (!closed) {
                    log.warn("docker names: {}; retrying in {}", e.getMessage(), RETRY);
                }
            }
            pause();
        }
    }

    /** Applies one event. Package-private for tests. */
    void handle(EngineEvent e) throws IOException {
        if (e.type().equals("network")) {
            String container = e.attribute("container");
            if (container == null) {
                if (e.action().equals("destroy")) {
                    networks.remove(e.actorId());
                }
                return;
            }
            NetworkInfo net = network(e.actorId()).orElse(null);
            if (net == null || !net.crossnet()) {
                return;
            }
            if (e.action().equals("connect")) {
                Optional<JsonNode> c = docker.get("/containers/" + container + "/json");
                Optional<NameRecord> r = c.flatMap(x -> recordOf(x, net.name(), registry.host()));
                if (r.isPresent()) {
                    registry.put(r.get());
                    log.info("docker names: {} on {} = {}", r.get().names(), net.name(), r.get().ipv4());
                }
            } else if (e.action().equals("disconnect")) {
                registry.remove(net.name(), container);
            }
        } else if (e.type().equals("container") && e.action().equals("destroy")) {
            registry.removeContainer(e.actorId());
        }
    }

    /** Lists every crossnet network and its local containers, and makes the store match. */
    private void resync() throws IOException {
        List<NameRecord> desired = new ArrayList<>();
        JsonNode list = docker.get("/networks").orElseThrow(() -> new IOException("GET /networks: 404"));
        for (JsonNode summary : list) {
            Optional<JsonNode> full = docker.get("/networks/" + summary.path("Id").asText());
            if (full.isEmpty()) {
                continue; // removed meanwhile
            }
            NetworkInfo net = info(full.get());
            networks.put(net.id(), net);
            if (!net.crossnet()) {
                continue;
            }
            for (Iterator<String> it = full.get().path("Containers").fieldNames(); it.hasNext(); ) {
                docker.get("/containers/" + it.next() + "/json")
                        .flatMap(c -> recordOf(c, net.name(), registry.host()))
                        .ifPresent(desired::add);
            }
        }
        registry.reconcile(desired);
        log.info("docker names: {} records on {} for host {}", desired.size(), docker.socket(), registry.host());
    }

    private Optional<NetworkInfo> network(String id) throws IOException {
        NetworkInfo known = networks.get(id);
        if (known != null) {
            return Optional.of(known);
        }
        Optional<NetworkInfo> fetched = docker.get("/networks/" + id).map(DockerNames::info);
        fetched.ifPresent(n -> networks.put(id, n));
        return fetched;
    }

    static NetworkInfo info(JsonNode network) {
        return new NetworkInfo(network.path("Id").asText(), network.path("Name").asText(), usesCrossnet(network));
    }

    /** Whether a network (as {@code GET /networks/ID} returns it) is crossnet's, by driver or IPAM driver. */
    static boolean usesCrossnet(JsonNode network) {
        return isCrossnet(network.path("Driver").asText("")) || isCrossnet(network.path("IPAM").path("Driver").asText(""));
    }

    private static boolean isCrossnet(String driver) {
        // A managed plugin's driver name carries its tag: crossnet:latest.
        return driver.equals(DRIVER) || driver.startsWith(DRIVER + ":");
    }

    /**
     * The record of {@code container} (as {@code GET /containers/ID/json} returns it) on
     * {@code network}: its name, {@code Aliases} and {@code DNSNames} there, and its IPv4 address.
     * Empty if it is not attached there or has no IPv4 address yet.
     */
    static Optional<NameRecord> recordOf(JsonNode container, String network, String host) {
        JsonNode ep = container.path("NetworkSettings").path("Networks").path(network);
        String ip = ep.path("IPAddress").asText("");
        String id = container.path("Id").asText("");
        if (ep.isMissingNode() || id.isEmpty() || !Ipv4.isDottedQuad(ip)) {
            return Optional.empty();
        }
        List<String> names = new ArrayList<>();
        String name = container.path("Name").asText("");
        names.add(name.startsWith("/") ? name.substring(1) : name);
        ep.path("Aliases").forEach(a -> names.add(a.asText("")));
        ep.path("DNSNames").forEach(a -> names.add(a.asText("")));
        return Optional.of(new NameRecord(network, id, host, ip, names));
    }

    private void refresh() {
        try {
            registry.keepAlive();
        } catch (RuntimeException e) {
            log.warn("docker names: keepalive: {}", e.getMessage());
        }
    }

    private void pause() {
        try {
            Thread.sleep(RETRY.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
        }
    }

    @Override
    public void close() {
        closed = true;
        keepAlive.shutdownNow();
        EngineClient.Events ev = events;
        if (ev != null) {
            try {
                ev.close();
            } catch (IOException e) {
                log.debug("docker names: close: {}", e.getMessage());
            }
        }
        follower.interrupt();
        try {
            follower.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

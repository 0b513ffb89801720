package dev.crossnet.dns;

import dev.crossnet.docker.engine.EngineClient;
import dev.crossnet.store.ListResult;
import dev.crossnet.store.Store;
import dev.crossnet.store.Watch;
import dev.crossnet.store.WatchEvent;
import dev.crossnet.store.WatchListener;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cross-host container names for one host: publishes the local dockerd's names
 * ({@link DockerNames}), mirrors every host's into a {@link NameTable} by a store watch, and
 * answers DNS from it ({@link DnsServer}).
 *
 * <p>One-time host setup: start dockerd with {@code --dns <listen address>} (then the daemon's
 * usual resolvers as further {@code --dns}); containers on user-defined networks ask Docker's
 * embedded DNS, which forwards what it does not know to those servers in order and moves on when
 * this one answers REFUSED.
 *
 * <pre>
 * try (DockerDns dns = DockerDns.start(store, new DockerDns.Options(engine, listen, "h1", prefix, ttl))) { ... }
 * </pre>
 * Thread-safe; {@link #close} is idempotent.
 */
public final class DockerDns implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DockerDns.class);
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(15);

    /**
     * @param docker    the local dockerd
     * @param listen    where to answer DNS: this host's own address (never the wildcard); port 53 normally
     * @param host      this host's id in the store
     * @param prefix    the store prefix; records live under {@code <prefix>/dns/}
     * @param recordTtl how long a dead host's names outlive it
     */
    public record Options(EngineClient docker, InetSocketAddress listen, String host, String prefix, Duration recordTtl) {
    }

    private final NameTable table;
    private final Watch watch;
    private final DnsServer server;
    private final DockerNames names;

    private DockerDns(NameTable table, Watch watch, DnsServer server, DockerNames names) {
        this.table = table;
        this.watch = watch;
        this.server = server;
        this.names = names;
    }

    /**
     * Starts watching, answering and publishing, in that order (so this host's own names are in
     * its table as soon as they are written). Returns without waiting for the first reconcile
     * with dockerd.
     */
    public static DockerDns start(Store store, Options o) {
        NameTable table = new NameTable(o.prefix());
        String dir = NameRecord.dir(o.prefix());
        ListResult initial = store.list(dir, false);
        table.replaceAll(initial.items());
        Watch watch = store.watch(dir, initial.revision(), new WatchListener() {
            @Override
            public void onEvents(List<WatchEvent> events, long revision) {
                for (WatchEvent e : events) {
                    if (e instanceof WatchEvent.Put p) {
                        table.put(p.kv().key(), p.kv().value());
                    } else if (e instanceof WatchEvent.Delete d) {
                        table.remove(d.key());
                    }
                }
            }

            @Override
            public void onReset(ListResult snapshot) {
                table.replaceAll(snapshot.items());
            }

            @Override
            public void onError(Exception e) {
                log.warn("dns: store watch: {}; answering from the last known names", e.getMessage());
            }
        });
        DnsServer server = null;
        try {
            server = DnsServer.start(o.listen(), new DnsResponder(table));
            DockerNames names = DockerNames.start(o.docker(), new NameRegistry(store, o.prefix(), o.host(), o.recordTtl()));
            return new DockerDns(table, watch, server, names);
        } catch (RuntimeException e) {
            if (server != null) {
                server.close();
            }
            watch.close();
            throw e;
        }
    }

    public InetSocketAddress address() {
        return server.address();
    }

    public NameTable table() {
        return table;
    }

    /** See {@link DockerNames#awaitSynced}. */
    public boolean awaitSynced(Duration timeout) throws InterruptedException {
        return names.awaitSynced(timeout);
    }

    @Override
    public void close() {
        names.close();
        server.close();
        watch.close();
    }
}

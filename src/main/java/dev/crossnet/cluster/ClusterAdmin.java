package dev.crossnet.cluster;

import dev.crossnet.CrossnetException;
import dev.crossnet.store.Store;
import dev.crossnet.store.Stores;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/** {@code crossnet leave}, {@code node rm} and {@code join-token}: what a host does to the cluster after joining. */
public final class ClusterAdmin {
    private ClusterAdmin() {
    }

    static ClusterConfig require(Path dir) {
        return ClusterConfig.load(dir).orElseThrow(() -> new CrossnetException("this host is not part of a cluster: no "
                + dir.resolve(ClusterConfig.FILE) + " (run crossnet init or crossnet join first, or give --config-dir)"));
    }

    /**
     * Removes {@code host} from the cluster: its etcd member, if it runs one, by the rule {@link
     * Membership#removeByRule} states (never leaving 2 voters unless {@code force}), then its node
     * record and presence. Refused before anything changes.
     *
     * @throws CrossnetException if there is no such host, it is this one (use leave), or the rule refuses
     */
    public static void removeNode(Path dir, String host, boolean force) {
        ClusterConfig cfg = require(dir);
        if (cfg.host().equals(host)) {
            throw new CrossnetException("node rm: " + host + " is this host; run crossnet leave on it instead");
        }
        ClusterConfig.Layout files = new ClusterConfig.Layout(dir);
        try (Store store = Stores.open(cfg.storeSpec(dir, Duration.ofSeconds(10)));
             EtcdCluster etcd = cluster(cfg, files)) {
            NodeRegistry nodes = new NodeRegistry(store);
            boolean known = nodes.get(host).isPresent();
            if (!known && etcd.members().stream().noneMatch(x -> x.name().equals(host))) {
                throw new CrossnetException("node rm: no host " + host + " in the cluster (crossnet node ls lists them)");
            }
            membership(etcd).removeByRule(host, force, "node rm: " + host + "'s etcd member", () -> {
                nodes.delete(host);
                dev.crossnet.status.AgentPresence.delete(store, host);
            });
        }
    }

    /**
     * Takes this host out of the cluster: stops its services, removes its etcd member and node
     * record, deletes its config directory's cluster files. The init host holds the CA key, so it
     * leaves only when it is the last host, or with {@code force}.
     */
    public static void leave(Path dir, Services services, boolean force) {
        ClusterConfig cfg = require(dir);
        ClusterConfig.Layout files = new ClusterConfig.Layout(dir);
        services.stop(Services.Service.AGENT);
        services.stop(Services.Service.JOIN_ENDPOINT);
        try (Store store = Stores.open(cfg.storeSpec(dir, Duration.ofSeconds(10)));
             EtcdCluster etcd = cluster(cfg, files)) {
            NodeRegistry nodes = new NodeRegistry(store);
            List<NodeRegistry.Node> others = nodes.list().stream().filter(n -> !n.host().equals(cfg.host())).toList();
            if (cfg.initHost() && !others.isEmpty() && !force) {
                throw new CrossnetException("leave: this host holds the cluster CA and " + others.size()
                        + " other hosts are still in the cluster; without it no host can join. Remove them first, or use --force");
            }
            // The record goes just before the member (while this host's member still serves); if the rule refuses, neither goes.
            if (cfg.member() && !others.isEmpty()) {
                membership(etcd).removeByRule(cfg.host(), force, "leave: this host's etcd member", () -> nodes.delete(cfg.host()));
            } else {
                nodes.delete(cfg.host());
            }
        }
        services.stop(Services.Service.ETCD);
        for (Path p : List.of(files.config(), files.caKey(), files.caCert(), files.hostCert(), files.hostKey(), files.joinToken(),
                files.etcdEnv(), files.agentEnv(), files.etcdData(), files.run())) {
            Undo.deleteTree(p);
        }
    }

    /**
     * The current join token, after replacing it if {@code rotate} (old tokens stop working at once).
     *
     * @param ttl with rotate: how long the new token is good for; null for no expiry
     */
    public static TokenFile joinToken(Path dir, boolean rotate, Duration ttl, Clock clock) {
        ClusterConfig cfg = require(dir);
        ClusterConfig.Layout files = new ClusterConfig.Layout(dir);
        if (!cfg.initHost()) {
            throw new CrossnetException("join-token: only the init host has the token (joins go to " + cfg.joinAddr()
                    + "); run it there");
        }
        if (!rotate) {
            if (ttl != null) {
                throw new CrossnetException("--ttl: applies with --rotate only");
            }
            return TokenFile.read(files.joinToken());
        }
        TokenFile old = TokenFile.read(files.joinToken());
        TokenFile now = new TokenFile(JoinToken.generate(old.parsed().caDigest()).reveal(), ttl == null ? null : clock.instant().plus(ttl));
        now.write(files.joinToken());
        return now;
    }

    private static EtcdCluster cluster(ClusterConfig cfg, ClusterConfig.Layout files) {
        return new JetcdCluster(cfg.etcdEndpoints().stream().map(URI::create).toList(), files.caCert(), files.hostCert(),
                files.hostKey(), Duration.ofSeconds(10));
    }

    private static Membership membership(EtcdCluster etcd) {
        return new Membership(etcd, JoinAuthority.PROMOTE_LIMIT, System::nanoTime, () -> sleep(500));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms); // between promotion attempts while a learner catches up
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CrossnetException("interrupted");
        }
    }
}

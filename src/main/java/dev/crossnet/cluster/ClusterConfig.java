package dev.crossnet.cluster;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.crossnet.CrossnetException;
import dev.crossnet.agent.AtomicFiles;
import dev.crossnet.store.StoreSpec;
import dev.crossnet.store.etcd.EtcdStore;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code init}/{@code join} left in a host's config directory ({@code cluster.json}), so that
 * every later command on the host finds the store with no flags.
 *
 * @param host          this host's name in the cluster
 * @param advertiseAddr this host's underlay address, where peers and etcd reach it
 * @param etcdRole      {@code member} (this host runs an etcd member) or {@code client}
 * @param etcdEndpoints the members' client URLs ({@code https://IP:2379}) as last known
 * @param prefix        the network's key prefix
 * @param joinAddr      the join endpoint {@code IP:PORT} (on the init host: its own)
 * @param initHost      whether this host holds the CA key and serves the join endpoint
 * @param listenAddr    where the join endpoint listens, {@code IP:PORT} (init host only, else null)
 */
public record ClusterConfig(String host, String advertiseAddr, String etcdRole, List<String> etcdEndpoints, String prefix,
                            String joinAddr, boolean initHost, String listenAddr) {
    public static final String FILE = "cluster.json";
    public static final Path DEFAULT_DIR = Path.of("/etc/crossnet");
    public static final String ENV = "CROSSNET_CONFIG_DIR";
    public static final String MEMBER = "member";
    public static final String CLIENT = "client";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public ClusterConfig {
        etcdEndpoints = List.copyOf(etcdEndpoints);
    }

    /**
     * The config directory: {@code --config-dir} if given, else {@code $CROSSNET_CONFIG_DIR}, else
     * {@code /etc/crossnet}.
     */
    public static Path resolveDir(Path flag, Map<String, String> env) {
        if (flag != null) {
            return flag;
        }
        String e = env.get(ENV);
        return e != null && !e.isBlank() ? Path.of(e) : DEFAULT_DIR;
    }

    /** The config in {@code dir}, if {@code init} or {@code join} wrote one there. */
    public static Optional<ClusterConfig> load(Path dir) {
        Path f = dir.resolve(FILE);
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(Files.readString(f), ClusterConfig.class));
        } catch (IOException e) {
            throw new CrossnetException("cannot read " + f + ": " + e.getMessage(), e);
        }
    }

    /** Writes {@code dir/cluster.json} atomically. */
    public void save(Path dir) {
        try {
            AtomicFiles.write(dir.resolve(FILE), JSON.writeValueAsString(this));
        } catch (IOException e) {
            throw new CrossnetException("cannot write " + dir.resolve(FILE) + ": " + e.getMessage(), e);
        }
    }

    public ClusterConfig withEtcdEndpoints(List<String> endpoints) {
        return new ClusterConfig(host, advertiseAddr, etcdRole, endpoints, prefix, joinAddr, initHost, listenAddr);
    }

    /**
     * Rewrites {@code dir}'s endpoint list with the voters' client URLs of {@code members}, if they
     * differ: a host learns of members that joined after it, or of its own promotion, whenever a
     * command lists the members. Learners are left out, as they serve no client requests.
     */
    static void refreshEndpoints(Path dir, ClusterConfig cfg, List<EtcdCluster.Member> members) {
        List<String> voters = Membership.voterClientUrls(members);
        if (!voters.isEmpty()) {
            saveEndpoints(dir, voters);
        }
    }

    /**
     * This config with its endpoint list brought up to date from etcd's member list (saved if it
     * changed); unchanged if no member answers within a few seconds. Blocks for one member-list call.
     */
    public ClusterConfig refreshed(Path dir) {
        Layout l = new Layout(dir);
        if (!java.nio.file.Files.isReadable(l.hostKey())) {
            return this;
        }
        try (EtcdCluster etcd = new JetcdCluster(etcdEndpoints.stream().map(java.net.URI::create).toList(), l.caCert(), l.hostCert(),
                l.hostKey(), java.time.Duration.ofSeconds(5))) {
            List<EtcdCluster.Member> members = etcd.members();
            refreshEndpoints(dir, this, members);
            return load(dir).orElse(this);
        } catch (RuntimeException e) {
            return this; // the list we have may still work; the caller's own call reports if not
        }
    }

    /**
     * How often a long-running process of a cluster host (agent, plugins, DNS) asks etcd for its
     * members: a host whose processes started when the cluster had fewer voters (the second host
     * knows only the first) must know the others before the first fails.
     */
    public static final Duration ENDPOINT_SYNC = Duration.ofSeconds(15);

    /**
     * Opens the cluster's store for a process that runs on: its endpoints then follow etcd's
     * membership ({@link EtcdStore#syncEndpoints}, every {@link #ENDPOINT_SYNC}), and each new list
     * is saved to {@code dir}'s {@code cluster.json}, so that the next process on this host starts
     * from it even when the members it was first given are gone. The caller closes the store.
     */
    public static dev.crossnet.store.Store openFollowing(Path dir, StoreSpec spec) {
        EtcdStore store = EtcdStore.connect(spec);
        store.syncEndpoints(ENDPOINT_SYNC, urls -> saveEndpoints(dir, urls.stream().map(URI::toString).toList()));
        return store;
    }

    /** Rewrites {@code dir}'s endpoint list, if it has a cluster config and the list differs. */
    static void saveEndpoints(Path dir, List<String> urls) {
        load(dir).filter(c -> !new java.util.HashSet<>(c.etcdEndpoints()).equals(new java.util.HashSet<>(urls)))
                .ifPresent(c -> c.withEtcdEndpoints(urls).save(dir));
    }

    public boolean member() {
        return MEMBER.equals(etcdRole);
    }

    /** The etcd store of the cluster, with mutual TLS from this host's files in {@code dir}. */
    public StoreSpec storeSpec(Path dir, Duration timeout) {
        Layout l = new Layout(dir);
        return new StoreSpec(null, etcdEndpoints.stream().map(URI::create).toList(), l.caCert(), l.hostCert(), l.hostKey(),
                null, null, timeout);
    }

    /** The files of a config directory. */
    public record Layout(Path dir) {
        public Path config() {
            return dir.resolve(FILE);
        }

        public Path caCert() {
            return dir.resolve("ca.crt");
        }

        /** Only on the init host. */
        public Path caKey() {
            return dir.resolve("ca.key");
        }

        public Path hostCert() {
            return dir.resolve("host.crt");
        }

        public Path hostKey() {
            return dir.resolve("host.key");
        }

        /** The current join token and its expiry (init host only, mode 0600). */
        public Path joinToken() {
            return dir.resolve("join-token.json");
        }

        /** etcd's flags as {@code ETCD_*} variables (members only): an EnvironmentFile for systemd. */
        public Path etcdEnv() {
            return dir.resolve("etcd.env");
        }

        /** The agent's flags, {@code CROSSNET_AGENT_ARGS=…}. */
        public Path agentEnv() {
            return dir.resolve("agent.env");
        }

        /**
         * The etcd member's data: {@code /var/lib/crossnet/etcd} for the default config directory,
         * else beside the config (the lab's hosts, tests), so that one directory holds a host's state.
         */
        public Path etcdData() {
            return dir.equals(DEFAULT_DIR) ? Path.of("/var/lib/crossnet/etcd") : dir.resolve("etcd-data");
        }

        /** Pid files and logs of services run as plain processes. */
        public Path run() {
            return dir.resolve("run");
        }
    }
}

package dev.crossnet.cli;

import dev.crossnet.CrossnetException;
import dev.crossnet.cluster.ClusterConfig;
import dev.crossnet.store.Store;
import dev.crossnet.store.StoreSpec;
import dev.crossnet.store.Stores;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The store flags every command shares: crossnet's {@code --store}/{@code --prefix}, plus flanneld's
 * {@code --etcd-*} names so that a flanneld command line works unchanged. With none of them (nor
 * {@code CROSSNET_STORE}), a host that ran {@code crossnet init}/{@code join} uses the cluster's etcd
 * from its config directory ({@code --config-dir}, {@code CROSSNET_CONFIG_DIR}, {@code /etc/crossnet}).
 */
public final class StoreOptions {
    public static final String DEFAULT_PREFIX = "/coreos.com/network";

    /** Where the {@code CROSSNET_*} defaults come from: the process environment, or a test's map. */
    private final Map<String, String> env;

    /** Defaults from the process environment (picocli makes the mixin this way). */
    public StoreOptions() {
        this(System.getenv());
    }

    /** Defaults from {@code env} instead of the process environment. */
    StoreOptions(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    @Option(names = "--store", paramLabel = "STORE",
            description = "file:PATH (embedded, the default: file:" + StoreSpec.DEFAULT_FILE + ") or etcd://HOST:PORT[,HOST:PORT...] (etcds:// for TLS). Env: CROSSNET_STORE.")
    String store;

    @Option(names = {"--prefix", "--etcd-prefix"}, paramLabel = "PREFIX",
            description = "Key prefix of the network (default: " + DEFAULT_PREFIX + "). Env: CROSSNET_PREFIX.")
    String prefix;

    @Option(names = "--etcd-endpoints", paramLabel = "URLS", description = "flanneld style: comma-separated etcd URLs; implies the etcd store.")
    String etcdEndpoints;

    @Option(names = "--etcd-cafile", paramLabel = "FILE", description = "CA bundle to verify etcd's certificate.")
    Path caFile;

    @Option(names = "--etcd-certfile", paramLabel = "FILE", description = "Client certificate for etcd.")
    Path certFile;

    @Option(names = "--etcd-keyfile", paramLabel = "FILE", description = "Client key for etcd.")
    Path keyFile;

    @Option(names = "--etcd-username", paramLabel = "USER", description = "etcd user name.")
    String username;

    @Option(names = "--etcd-password", paramLabel = "PASSWORD", description = "etcd password. Env: CROSSNET_ETCD_PASSWORD.")
    String password;

    @Option(names = "--config-dir", paramLabel = "DIR",
            description = "The host's cluster config from crossnet init/join (default: /etc/crossnet). Env: CROSSNET_CONFIG_DIR.")
    Path configDir;

    @Option(names = "--store-timeout", paramLabel = "DURATION", defaultValue = "5s", converter = DurationConverter.class,
            description = "Time for one store operation before it is retried (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    /** The config directory these options point at (it may hold no cluster config). */
    public Path configDir() {
        return ClusterConfig.resolveDir(configDir, env);
    }

    /** The cluster config to use: only when no store flag or variable is given. */
    private java.util.Optional<ClusterConfig> cluster() {
        if (store != null || etcdEndpoints != null || env.containsKey("CROSSNET_STORE")) {
            if (configDir != null) {
                throw new CrossnetException("--config-dir: give either --config-dir or --store/--etcd-endpoints/CROSSNET_STORE, not both");
            }
            return java.util.Optional.empty();
        }
        java.util.Optional<ClusterConfig> c = ClusterConfig.load(configDir());
        if (c.isEmpty() && configDir != null) {
            throw new CrossnetException("--config-dir: " + configDir + " holds no " + ClusterConfig.FILE
                    + " (run crossnet init or crossnet join with it first)");
        }
        return c;
    }

    /** This host's name in the cluster config, when the store comes from one. */
    public java.util.Optional<String> clusterHost() {
        return cluster().map(ClusterConfig::host);
    }

    public String prefix() {
        String fallback = prefix == null && !env.containsKey("CROSSNET_PREFIX")
                ? cluster().map(ClusterConfig::prefix).orElse(DEFAULT_PREFIX) : DEFAULT_PREFIX;
        String p = prefix != null ? prefix : env.getOrDefault("CROSSNET_PREFIX", fallback);
        if (!p.startsWith("/")) {
            throw new CrossnetException("--prefix: \"" + p + "\" must start with /");
        }
        return p.endsWith("/") && p.length() > 1 ? p.substring(0, p.length() - 1) : p;
    }

    public StoreSpec spec() {
        java.util.Optional<ClusterConfig> c = cluster();
        if (c.isPresent()) {
            if (caFile != null || certFile != null || keyFile != null || username != null) {
                throw new CrossnetException("--etcd-cafile/--etcd-certfile/--etcd-keyfile/--etcd-username: the cluster's own files in "
                        + configDir() + " are used; give --store or --etcd-endpoints to use others");
            }
            // Refreshed first: a host learns of members that joined after it, and of its own promotion.
            return c.get().refreshed(configDir()).storeSpec(configDir(), timeout);
        }
        StoreSpec spec;
        if (etcdEndpoints != null) {
            if (store != null) {
                throw new CrossnetException("--etcd-endpoints: give either --store or --etcd-endpoints, not both");
            }
            spec = new StoreSpec(null, StoreSpec.parseEndpoints("--etcd-endpoints", etcdEndpoints),
                    null, null, null, null, null, timeout);
        } else {
            String s = store != null ? store : env.getOrDefault("CROSSNET_STORE", "file:" + StoreSpec.DEFAULT_FILE);
            spec = StoreSpec.parse("--store", s, timeout);
        }
        String pass = password != null ? password : env.get("CROSSNET_ETCD_PASSWORD");
        if (!spec.isEtcd() && (caFile != null || certFile != null || keyFile != null || username != null)) {
            throw new CrossnetException("--etcd-cafile/--etcd-certfile/--etcd-keyfile/--etcd-username apply to the etcd store only, not " + spec.describe());
        }
        if ((certFile == null) != (keyFile == null)) {
            throw new CrossnetException(certFile == null ? "--etcd-certfile: required with --etcd-keyfile" : "--etcd-keyfile: required with --etcd-certfile");
        }
        requireReadable("--etcd-cafile", caFile);
        requireReadable("--etcd-certfile", certFile);
        requireReadable("--etcd-keyfile", keyFile);
        if (username != null && pass == null) {
            throw new CrossnetException("--etcd-password: required with --etcd-username");
        }
        return spec.withTls(caFile, certFile, keyFile).withAuth(username, pass);
    }

    private static void requireReadable(String flag, Path p) {
        if (p != null && !p.toFile().canRead()) {
            throw new CrossnetException(flag + ": cannot read " + p);
        }
    }

    /** Opens the store; the caller closes it. */
    public Store open() {
        StoreSpec spec = spec();
        // A cluster host's store follows etcd's membership (and keeps cluster.json up to date).
        return cluster().isPresent() ? ClusterConfig.openFollowing(configDir(), spec) : Stores.open(spec);
    }
}

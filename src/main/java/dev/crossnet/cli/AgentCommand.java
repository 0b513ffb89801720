package dev.crossnet.cli;

import dev.crossnet.CrossnetException;
import dev.crossnet.agent.Agent;
import dev.crossnet.agent.AgentRuntime;
import dev.crossnet.status.ClusterStatusReader;
import dev.crossnet.store.Store;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code crossnet agent}: the per-host agent, with flanneld's flag names where they exist. Parses and checks the flags; {@link AgentRuntime} runs it. */
@Command(name = "agent", mixinStandardHelpOptions = true,
        description = "Run the per-host agent: lease a subnet, write subnet.env, program the data plane, keep it reconciled.")
final class AgentCommand implements Runnable {

    @Mixin
    StoreOptions storeOptions;

    @Option(names = "--iface", paramLabel = "IF", description = "Underlay interface (name or address); default: the default route's.")
    String iface;

    @Option(names = "--public-ip", paramLabel = "IP", description = "Address peers reach this host at (default: the interface's).")
    String publicIp;

    @Option(names = "--ip-masq", description = "Masquerade traffic leaving the overlay (never overlay to overlay).")
    boolean ipMasq;

    @Option(names = "--subnet-file", defaultValue = "/run/crossnet/subnet.env", paramLabel = "FILE",
            description = "Where to write subnet.env (default: ${DEFAULT-VALUE}).")
    Path subnetFile;

    @Option(names = "--docker-opts-file", defaultValue = "/run/crossnet/docker", paramLabel = "FILE",
            description = "Where to write the docker options (default: ${DEFAULT-VALUE}).")
    Path dockerOptsFile;

    @Option(names = "--state-dir", defaultValue = "/var/lib/crossnet/agent", paramLabel = "DIR",
            description = "Small state files of the agent (default: ${DEFAULT-VALUE}).")
    Path stateDir;

    @Option(names = "--subnet-lease-ttl", defaultValue = "24h", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "Lease time to live (default: ${DEFAULT-VALUE}).")
    Duration leaseTtl;

    @Option(names = "--subnet-lease-renew-margin", defaultValue = "60m", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "Renew the lease this long before it expires (default: ${DEFAULT-VALUE}).")
    Duration renewMargin;

    @Option(names = "--resync-interval", defaultValue = "5s", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "How often the kernel state is re-checked against the leases (default: ${DEFAULT-VALUE}).")
    Duration resync;

    @Option(names = "--healthz-ip", defaultValue = "127.0.0.1", paramLabel = "IP",
            description = "Address for /healthz, /readyz and /metrics (default: ${DEFAULT-VALUE}).")
    String healthzIp;

    @Option(names = "--healthz-port", defaultValue = "8471", paramLabel = "PORT",
            description = "Port for /healthz, /readyz and /metrics; 0 turns them off (default: ${DEFAULT-VALUE}).")
    int healthzPort;

    @Option(names = "--dashboard-listen", defaultValue = dev.crossnet.dashboard.DashboardListen.DEFAULT, paramLabel = "IP:PORT",
            description = "Serve the live web dashboard (the cluster's hosts, reachability, networks, errors) here;"
                    + " [IPv6]:PORT for IPv6, off for none (default: ${DEFAULT-VALUE}). Never 0.0.0.0 unless written.")
    String dashboardListen;

    @Option(names = "--docker-plugin", paramLabel = "SOCKET", arity = "0..1", fallbackValue = "/run/docker/plugins/crossnet.sock",
            description = "Serve the crossnet Docker network, IPAM and authz plugins on this unix socket (mode 0600);"
                    + " without a value: ${FALLBACK-VALUE}. Off unless given.")
    Path dockerPlugin;

    @Option(names = "--docker-host", paramLabel = "SOCKET", defaultValue = "/var/run/docker.sock",
            description = "This host's dockerd API socket, for making crossnet networks appear in it (default: ${DEFAULT-VALUE}).")
    Path dockerHost;

    @Option(names = "--dns-listen", paramLabel = "IP",
            description = "With --docker-plugin: answer DNS for container names (udp port 53) on this address; dockerd needs"
                    + " --dns <it>. Default: the public IP (reachable from containers through their network's gateway). Never 0.0.0.0.")
    String dnsListen;

    @Option(names = "--no-docker-dns", description = "With --docker-plugin: do not publish or answer container names.")
    boolean noDockerDns;

    @Option(names = "--docker-presence-ttl", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "With --docker-plugin: TTL of this host's presence record, kept alive every third of it (default: 15s).")
    Duration presenceTtl;

    @Option(names = "--docker-reap-after", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "With --docker-plugin: remove the Docker endpoints, attachments and IPAM addresses of a host whose"
                    + " presence record has been gone this long; at least 3 presence TTLs (default: 5m).")
    Duration reapAfter;

    @Option(names = "--docker-encrypted-offloads", arity = "1", defaultValue = "true", paramLabel = "BOOL",
            description = "With --docker-plugin: encrypted networks move frames in batches with TAP offloads (TSO) and UDP"
                    + " GSO/GRO (default: ${DEFAULT-VALUE}); false moves one frame per system call, as on a kernel without them.")
    boolean dockerEncryptedOffloads;

    @Option(names = "--docker-rekey-after", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "With --docker-plugin: encrypted networks start a new handshake with each peer host this often;"
                    + " 2s to 24h (default: 120s). Tunnels are per host pair, shared by every encrypted network.")
    Duration dockerRekeyAfter;

    @Option(names = "--host-name", paramLabel = "NAME",
            description = "This host's name in the store, for its Docker endpoints, IPAM claims and status record"
                    + " (default: its name in the cluster after init/join, else the hostname).")
    String hostName;

    @Override
    public void run() {
        // Flags first: a wrong one is reported the same way as root or not.
        if (dnsListen != null && dockerPlugin == null) {
            throw new CrossnetException("--dns-listen: names are served with the Docker plugins; add --docker-plugin");
        }
        if (dnsListen != null && noDockerDns) {
            throw new CrossnetException("--dns-listen: cannot be combined with --no-docker-dns");
        }
        dev.crossnet.docker.HostReaper.Timing liveness = liveness(dockerPlugin != null, presenceTtl, reapAfter);
        dev.crossnet.seal.Limits dockerSeal = dockerSealLimits(dockerPlugin != null, dockerRekeyAfter);
        java.net.InetAddress dnsIp = dnsListen == null ? null : DnsCommand.Serve.ownAddress("--dns-listen", dnsListen);
        java.net.InetSocketAddress dashboard = dev.crossnet.dashboard.DashboardListen.parse(dashboardListen).orElse(null);
        if (!isRoot()) {
            throw new CrossnetException("the agent must run as root: it programs devices, routes and firewall rules");
        }
        if (healthzPort < 0 || healthzPort > 65535) {
            throw new CrossnetException("--healthz-port: " + healthzPort + " is out of range 0-65535");
        }
        if (leaseTtl.isZero() || leaseTtl.isNegative()) {
            throw new CrossnetException("--subnet-lease-ttl: must be positive");
        }
        if (dnsIp != null && !isLocal(dnsIp)) {
            throw new CrossnetException("--dns-listen: " + dnsListen + " is not an address of this host");
        }
        Agent.Options opts = new Agent.Options(iface, publicIp, subnetFile, dockerOptsFile, stateDir, ipMasq,
                leaseTtl, renewMargin, resync);
        String host = hostName != null ? hostName : storeOptions.clusterHost().orElseGet(AgentCommand::hostname);
        try (Store store = storeOptions.open()) {
            AgentRuntime.run(new AgentRuntime.Settings(opts, healthzIp, healthzPort, dockerPlugin, dockerHost, dnsIp,
                    noDockerDns, liveness, host, dashboard, ClusterStatusReader.describe(storeOptions.spec()), this::seal,
                    dockerEncryptedOffloads, dockerSeal),
                    store, storeOptions.prefix());
        }
    }

    /** This host's seal identity from its config directory, for an encrypted network. @throws CrossnetException naming Backend.Encrypt */
    private dev.crossnet.seal.SealIdentity seal() {
        Path dir = storeOptions.configDir();
        return dev.crossnet.cluster.SealFiles.load(dir).orElseThrow(() -> new CrossnetException("Backend.Encrypt: the network is"
                + " encrypted, but " + dir + " holds no seal key and certificate (seal.key, seal.crt, ca.crt, written by crossnet"
                + " init/join); join this host to the cluster with crossnet join, or point --config-dir at its directory"));
    }

    /** The dead-host timing from the flags, checked. @throws CrossnetException naming the flag */
    static dev.crossnet.docker.HostReaper.Timing liveness(boolean plugins, Duration ttl, Duration reapAfter) {
        if (!plugins && (ttl != null || reapAfter != null)) {
            throw new CrossnetException((ttl != null ? "--docker-presence-ttl" : "--docker-reap-after")
                    + ": hosts are kept and reaped by the Docker plugins; add --docker-plugin");
        }
        dev.crossnet.docker.HostReaper.Timing d = dev.crossnet.docker.HostReaper.Timing.DEFAULT;
        Duration t = ttl != null ? ttl : d.presenceTtl();
        Duration r = reapAfter != null ? reapAfter : d.reapAfter();
        if (t.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new CrossnetException("--docker-presence-ttl: " + t.toMillis() + "ms is too short; at least 1s"
                    + " (etcd counts TTLs in whole seconds)");
        }
        Duration least = t.multipliedBy(dev.crossnet.docker.HostReaper.Timing.MIN_MISSED_TTLS);
        if (r.compareTo(least) < 0) {
            throw new CrossnetException("--docker-reap-after: " + text(r) + " is shorter than "
                    + dev.crossnet.docker.HostReaper.Timing.MIN_MISSED_TTLS + " presence TTLs (--docker-presence-ttl "
                    + text(t) + "), so a host restarting its agent could be reaped; give at least "
                    + text(least));
        }
        return new dev.crossnet.docker.HostReaper.Timing(t, r);
    }

    /** The encrypted Docker networks' key lifetimes from {@code --docker-rekey-after}, checked. @throws CrossnetException naming the flag */
    static dev.crossnet.seal.Limits dockerSealLimits(boolean plugins, Duration rekeyAfter) {
        if (rekeyAfter == null) {
            return dev.crossnet.seal.Limits.DEFAULT;
        }
        if (!plugins) {
            throw new CrossnetException("--docker-rekey-after: encrypted Docker networks are served by the Docker plugins;"
                    + " add --docker-plugin (an encrypted udp network takes Backend.RekeyAfter)");
        }
        Duration min = Duration.ofSeconds(dev.crossnet.model.NetworkConfig.MIN_REKEY_AFTER);
        Duration max = Duration.ofSeconds(dev.crossnet.model.NetworkConfig.MAX_REKEY_AFTER);
        if (rekeyAfter.compareTo(min) < 0 || rekeyAfter.compareTo(max) > 0) {
            throw new CrossnetException("--docker-rekey-after: " + text(rekeyAfter) + " is out of range " + text(min) + " to "
                    + text(max));
        }
        return dev.crossnet.seal.Limits.rekeyingAfter(rekeyAfter);
    }

    private static String text(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    private static String hostname() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "localhost";
        }
    }

    private static boolean isLocal(java.net.InetAddress a) {
        try {
            return java.net.NetworkInterface.getByInetAddress(a) != null;
        } catch (java.net.SocketException e) {
            return false;
        }
    }

    static boolean isRoot() {
        return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
    }
}

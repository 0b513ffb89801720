package dev.crossnet.cli;

import dev.crossnet.CrossnetException;
import dev.crossnet.cluster.ClusterAdmin;
import dev.crossnet.cluster.ClusterConfig;
import dev.crossnet.cluster.ClusterInit;
import dev.crossnet.cluster.ClusterJoin;
import dev.crossnet.cluster.JoinEndpoint;
import dev.crossnet.cluster.JoinToken;
import dev.crossnet.cluster.MemberPlan;
import dev.crossnet.cluster.Services;
import dev.crossnet.cluster.TokenFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code crossnet init}, {@code join}, {@code leave}, {@code join-token}: thin over {@link dev.crossnet.cluster}. */
final class ClusterCommands {
    private ClusterCommands() {
    }

    /** The {@code --config-dir} of the cluster commands. */
    static final class ConfigDirOption {
        @Option(names = "--config-dir", paramLabel = "DIR",
                description = "Where this host keeps its cluster identity (default: /etc/crossnet). Env: CROSSNET_CONFIG_DIR.")
        Path configDir;

        Path dir() {
            return ClusterConfig.resolveDir(configDir, System.getenv());
        }
    }

    /** What {@code init} and {@code join} share: who this host is, and what runs on it afterwards. */
    static final class HostOptions {
        @picocli.CommandLine.Mixin
        ConfigDirOption config;
        @Option(names = "--advertise-addr", paramLabel = "IP", description = "This host's underlay address (default: its only IPv4 address).")
        String advertiseAddr;
        @Option(names = "--host-name", paramLabel = "NAME", description = "This host's name in the cluster (default: the machine's).")
        String hostName;
        @Option(names = "--no-agent", description = "Do not start the agent (start it yourself: crossnet agent --config-dir DIR).")
        boolean noAgent;
        @Option(names = "--no-docker-setup", description = "Do not run docker-setup (by default it runs when dockerd is installed and "
                + "the config directory is /etc/crossnet).")
        boolean noDockerSetup;

        Path dir() {
            return config.dir();
        }

        /** After init or join: docker-setup for this host, unless --no-docker-setup. */
        void dockerSetup(String advertised) {
            DockerSetupStep.forThisMachine().run(dir(), advertised, noDockerSetup, System.out);
        }
    }

    @Command(name = "init", mixinStandardHelpOptions = true,
            description = "Make this host the first of a cluster: CA, etcd member with mutual TLS, network config, join endpoint, agent.")
    static final class Init implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        HostOptions host;
        @Option(names = "--listen-addr", paramLabel = "IP[:PORT]", description = "Where the join endpoint listens (default: the advertise address, port 2377).")
        String listenAddr;
        @Option(names = "--network", paramLabel = "CIDR", defaultValue = "10.5.0.0/16", description = "The overlay's Network (default: ${DEFAULT-VALUE}).")
        String network;
        @Option(names = "--backend", paramLabel = "TYPE", defaultValue = "vxlan", description = "vxlan, host-gw or udp (default: ${DEFAULT-VALUE}).")
        String backend;
        @Option(names = "--prefix", paramLabel = "PREFIX", defaultValue = StoreOptions.DEFAULT_PREFIX, description = "Key prefix (default: ${DEFAULT-VALUE}).")
        String prefix;
        @Option(names = "--token-ttl", paramLabel = "DURATION", converter = DurationConverter.class,
                description = "How long the join token is good for (default: until rotated).")
        Duration tokenTtl;

        @Override
        public Integer call() {
            Path dir = host.dir();
            ClusterInit.Result r = ClusterInit.run(new ClusterInit.Options(dir, host.hostName, host.advertiseAddr, listenAddr, network,
                    backend, prefix, tokenTtl, !host.noAgent), Services.forHost(dir), Clock.systemUTC());
            System.out.println("cluster initialised: host " + r.host() + " (" + r.advertiseAddr() + ") runs the first etcd member; CA in " + dir);
            System.out.println("to add a host, run on it:");
            System.out.println();
            System.out.println("    " + r.joinCommand());
            System.out.println();
            host.dockerSetup(r.advertiseAddr());
            return 0;
        }
    }

    @Command(name = "join", mixinStandardHelpOptions = true,
            description = "Join the cluster whose join endpoint is at IP:PORT (crossnet init printed the command).")
    static final class Join implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        HostOptions host;
        @Parameters(index = "0", paramLabel = "IP:PORT", description = "The init host's join endpoint.")
        String endpoint;
        @Option(names = "--token", paramLabel = "TOKEN", description = "The join token (visible in ps: prefer --token-file or CROSSNET_JOIN_TOKEN).")
        String token;
        @Option(names = "--token-file", paramLabel = "FILE", description = "Read the join token from FILE.")
        Path tokenFile;
        @Option(names = "--etcd-members", paramLabel = "N", defaultValue = "" + MemberPlan.DEFAULT_TARGET,
                description = "Become an etcd member while the cluster has fewer than N (odd) members, else a client (default: ${DEFAULT-VALUE}).")
        int etcdMembers;

        @Override
        public Integer call() {
            JoinToken t = JoinToken.parse(tokenText());
            Path dir = host.dir();
            ClusterJoin.Result r = ClusterJoin.run(new ClusterJoin.Options(dir, host.hostName, host.advertiseAddr, endpoint, t, etcdMembers,
                    !host.noAgent), Services.forHost(dir), Clock.systemUTC());
            System.out.println("joined: host " + r.host() + " (" + r.advertiseAddr() + ") is an etcd "
                    + (r.learner() ? "member (a learner until the next member joins)" : r.etcdRole()));
            host.dockerSetup(r.advertiseAddr());
            return 0;
        }

        private String tokenText() {
            int given = (token != null ? 1 : 0) + (tokenFile != null ? 1 : 0);
            if (given > 1) {
                throw new CrossnetException("--token: give either --token or --token-file, not both");
            }
            if (tokenFile != null) {
                try {
                    return Files.readString(tokenFile).strip();
                } catch (IOException e) {
                    throw new CrossnetException("--token-file: cannot read " + tokenFile + ": " + e.getMessage());
                }
            }
            String t = token != null ? token : System.getenv("CROSSNET_JOIN_TOKEN");
            if (t == null) {
                throw new CrossnetException("--token: required (or --token-file, or CROSSNET_JOIN_TOKEN)");
            }
            return t;
        }
    }

    @Command(name = "leave", mixinStandardHelpOptions = true,
            description = "Take this host out of the cluster: stop its agent and etcd member, remove its member and record, delete its cluster files.")
    static final class Leave implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        ConfigDirOption config;
        @Option(names = "--force", description = "Leave even from the init host while other hosts remain (they can no longer be joined).")
        boolean force;

        @Override
        public Integer call() {
            Path dir = config.dir();
            ClusterAdmin.leave(dir, Services.forHost(dir), force);
            System.out.println("left the cluster; " + dir + " holds no cluster files any more");
            return 0;
        }
    }

    @Command(name = "join-token", mixinStandardHelpOptions = true, description = "Print the join command (on the init host); --rotate makes a new token.")
    static final class Token implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        ConfigDirOption config;
        @Option(names = "--rotate", description = "Replace the token; the old one stops working at once.")
        boolean rotate;
        @Option(names = "--ttl", paramLabel = "DURATION", converter = DurationConverter.class, description = "With --rotate: expiry of the new token.")
        Duration ttl;
        @Option(names = {"-q", "--quiet"}, description = "Print the token only.")
        boolean quiet;

        @Override
        public Integer call() {
            Path dir = config.dir();
            TokenFile t = ClusterAdmin.joinToken(dir, rotate, ttl, Clock.systemUTC());
            if (quiet) {
                System.out.println(t.token());
                return 0;
            }
            String addr = ClusterConfig.load(dir).map(ClusterConfig::joinAddr).orElse("IP:2377");
            System.out.println((rotate ? "new token" : "to add a host") + (t.expires() == null ? "" : " (expires " + t.expires() + ")")
                    + ", run on it:");
            System.out.println();
            System.out.println("    crossnet join --token " + t.token() + " " + addr);
            return 0;
        }
    }

    @Command(name = "join-endpoint", hidden = true, description = "Serve the join endpoint (started by init as a service).")
    static final class Endpoint implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        ConfigDirOption config;

        @Override
        public Integer call() throws InterruptedException {
            JoinEndpoint.serve(config.dir(), Clock.systemUTC());
            return 0;
        }
    }

    @Command(name = "service", mixinStandardHelpOptions = true,
            description = "Start, stop or show this host's crossnet services (etcd, join-endpoint, agent) as init/join set them up.")
    static final class Service implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        ConfigDirOption config;
        @Parameters(index = "0", paramLabel = "ACTION", description = "start, stop or status")
        String action;
        @Parameters(index = "1", paramLabel = "NAME", description = "etcd, join-endpoint or agent")
        String name;

        @Override
        public Integer call() {
            Path dir = config.dir();
            ClusterConfig cfg = ClusterConfig.load(dir).orElseThrow(() -> new CrossnetException(
                    "this host is not part of a cluster: no " + dir.resolve(ClusterConfig.FILE)));
            Services.Service s = switch (name) {
                case "etcd" -> Services.Service.ETCD;
                case "join-endpoint" -> Services.Service.JOIN_ENDPOINT;
                case "agent" -> Services.Service.AGENT;
                default -> throw new CrossnetException("NAME: \"" + name + "\" is not etcd, join-endpoint or agent");
            };
            if (s == Services.Service.ETCD && !cfg.member()) {
                throw new CrossnetException("NAME: this host is an etcd client; it runs no etcd member");
            }
            Services services = Services.forHost(dir);
            switch (action) {
                case "start" -> services.start(s);
                case "stop" -> services.stop(s);
                case "status" -> {
                    System.out.println(name + ": " + (services.running(s) ? "running" : "stopped") + " (log: " + services.logHint(s) + ")");
                    return services.running(s) ? 0 : 3;
                }
                default -> throw new CrossnetException("ACTION: \"" + action + "\" is not start, stop or status");
            }
            return 0;
        }
    }
}

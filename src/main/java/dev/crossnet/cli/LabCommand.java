package dev.crossnet.cli;

import dev.crossnet.lab.Lab;
import dev.crossnet.lab.LabClusterStatus;
import dev.crossnet.lab.LabConfig;
import dev.crossnet.lab.LabNames;
import dev.crossnet.lab.LabOptions;
import dev.crossnet.lab.LabStatus;
import dev.crossnet.lab.LabTable;
import dev.crossnet.model.BackendConfig;
import dev.crossnet.status.ClusterStatus;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code crossnet lab up|status|exec|down}: several hosts on one machine. Thin: the work is in {@link Lab}. */
@Command(name = "lab", mixinStandardHelpOptions = true,
        description = "Simulate several hosts on this machine with network namespaces (needs root).",
        subcommands = {LabCommand.Up.class, LabCommand.Status.class, LabCommand.Exec.class, LabCommand.Ip.class, LabCommand.Down.class,
                LabCommand.Docker.class,
                LabCommand.PutConfig.class, LabBenchCommand.class})
final class LabCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "lab: a subcommand is required (up, status, exec, down)");
    }

    /** The {@code --name} every lab subcommand takes. */
    static final class NameOption {
        @Option(names = "--name", paramLabel = "LAB", defaultValue = LabNames.DEFAULT_LAB,
                description = "Lab name, the prefix of its namespaces (default: ${DEFAULT-VALUE}).")
        String name;
    }

    @Command(name = "up", mixinStandardHelpOptions = true, description = "Create a lab and start one agent per host.")
    static final class Up implements Callable<Integer> {
        @CommandLine.Mixin
        NameOption lab;

        @Option(names = "--hosts", paramLabel = "N", defaultValue = "3", description = "Hosts h1…hN, 1-200 (default: ${DEFAULT-VALUE}).")
        int hosts;

        @Option(names = "--containers-per-host", paramLabel = "M", defaultValue = "2",
                description = "Container namespaces per host (default: ${DEFAULT-VALUE}).")
        int containers;

        @Option(names = "--backend", paramLabel = "TYPE", defaultValue = "vxlan", description = "vxlan, host-gw or udp (default: ${DEFAULT-VALUE}).")
        String backend;

        @Option(names = "--store", paramLabel = "KIND",
                description = "embedded (SQLite in the lab directory), etcd (a real etcd on the underlay) or cluster (crossnet init on h1,"
                        + " join on the others: etcd members on the hosts with mutual TLS) (default: embedded; cluster with --encrypt).")
        String store;

        @Option(names = "--encrypt", description = "With --backend udp: Backend.Encrypt, every packet between hosts sealed with keys"
                + " the cluster CA certifies (implies --store cluster, the only store with a CA).")
        boolean encrypt;

        @Option(names = "--network", paramLabel = "CIDR", defaultValue = LabOptions.DEFAULT_NETWORK,
                description = "The overlay's Network (default: ${DEFAULT-VALUE}).")
        String network;

        @Option(names = "--no-agents", description = "Build the underlay and hosts only: no agents, no containers.")
        boolean noAgents;

        @Option(names = "--ip-masq", description = "Run the agents with --ip-masq (masquerade traffic leaving the overlay).")
        boolean ipMasq;

        @Option(names = "--subnet-lease-ttl", paramLabel = "DURATION", converter = DurationConverter.class,
                description = "The agents' --subnet-lease-ttl, at least 2s (default: the agent's, 24h).")
        Duration leaseTtl;

        @Option(names = "--docker", description = "Also run a dockerd per host, with the agent's crossnet plugins and a busybox image.")
        boolean docker;

        @Override
        public Integer call() {
            long t0 = System.nanoTime();
            String storeKind = store != null ? store : encrypt ? "cluster" : "embedded";
            LabOptions.StoreKind kind = switch (storeKind.toLowerCase(Locale.ROOT)) {
                case "embedded" -> LabOptions.StoreKind.EMBEDDED;
                case "etcd" -> LabOptions.StoreKind.ETCD;
                case "cluster" -> LabOptions.StoreKind.CLUSTER;
                default -> throw new dev.crossnet.CrossnetException("--store: \"" + store + "\" is not embedded, etcd or cluster");
            };
            BackendConfig.Type type;
            try {
                type = BackendConfig.Type.fromWire(backend);
            } catch (dev.crossnet.CrossnetException e) {
                throw new dev.crossnet.CrossnetException("--backend: \"" + backend + "\" is not vxlan, host-gw or udp");
            }
            LabOptions o = LabOptions.defaults().withName(lab.name).withHosts(hosts).withContainersPerHost(containers)
                    .withBackend(type).withStore(kind).withNetwork(network).withAgents(!noAgents).withIpMasq(ipMasq).withLeaseTtl(leaseTtl)
                    .withDocker(docker).withEncrypt(encrypt)
                    .withProgress(line -> System.out.printf("[%5.1fs] %s%n", (System.nanoTime() - t0) / 1e9, line));
            o.validate();
            // Ctrl-C during up: remove what was made, as a failure would.
            AtomicBoolean done = new AtomicBoolean();
            Thread rollback = new Thread(() -> {
                if (!done.get()) {
                    System.err.println("crossnet: interrupted; removing lab " + o.name());
                    Lab.down(o.name(), o.stateRoot());
                }
            });
            Runtime.getRuntime().addShutdownHook(rollback);
            Lab l;
            try {
                l = Lab.up(o);
            } finally {
                done.set(true); // a failed up has rolled back already; an existing lab must not be touched
            }
            System.out.println();
            System.out.print(LabTable.render(l.status()));
            System.out.printf("%nlab %s up in %.1fs: %s backend, store %s%n", l.name(), (System.nanoTime() - t0) / 1e9,
                    type.wire(), l.state().store());
            l.dashboardUrl().ifPresent(url -> System.out.println("dashboard: " + url + " (open it in a browser on this machine)"));
            String flag = LabNames.DEFAULT_LAB.equals(l.name()) ? "" : " --name " + l.name();
            List<dev.crossnet.lab.LabState.HostState> hs = l.state().hosts();
            if (hs.size() > 1 && !hs.get(1).containers().isEmpty()) {
                System.out.printf("try: crossnet lab exec%s h1-c1 -- busybox ping -c1 %s%n", flag, hs.get(1).containers().get(0).ip());
            }
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Show hosts, agents, subnets and containers, and crossnet status: each host's reachability of the others over the overlay, errors.")
    static final class Status implements Callable<Integer> {
        @CommandLine.Mixin
        NameOption lab;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() {
            Lab l = Lab.open(lab.name, LabOptions.DEFAULT_STATE_ROOT);
            LabStatus s = l.status();
            // The cluster as the store says (crossnet status, per host's view), beside the lab's own view; the lab's
            // view is shown even when that cannot be read.
            ClusterStatus cluster = LabClusterStatus.readOrSayWhy(l);
            if (json) {
                System.out.println(LabClusterStatus.json(s, cluster));
            } else {
                System.out.printf("lab %s: %s backend, network %s, store %s%n%n", s.name(), s.backend(), s.network(), s.store());
                System.out.print(LabTable.render(s));
                System.out.println();
                System.out.print(LabClusterStatus.render(cluster));
            }
            return cluster.store().healthy() ? 0 : 1;
        }
    }

    @Command(name = "exec", mixinStandardHelpOptions = true,
            description = "Run a command in a host's or container's network namespace; exits with its exit code.")
    static final class Exec implements Callable<Integer> {
        @CommandLine.Mixin
        NameOption lab;

        @Parameters(index = "0", paramLabel = "NAME", description = "A host (h1) or container (h1-c1).")
        String target;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD", description = "The command; put -- before it.")
        List<String> cmd;

        @Override
        public Integer call() {
            return Lab.open(lab.name, LabOptions.DEFAULT_STATE_ROOT).execInteractive(target, cmd);
        }
    }

    @Command(name = "ip", mixinStandardHelpOptions = true,
            description = "Print the address of a container (its overlay IP) or host (its underlay IP), for scripts.")
    static final class Ip implements Callable<Integer> {
        @CommandLine.Mixin
        NameOption lab;

        @Parameters(index = "0", paramLabel = "NAME", description = "A host (h1) or container (h1-c1).")
        String target;

        @Override
        public Integer call() {
            System.out.println(Lab.open(lab.name, LabOptions.DEFAULT_STATE_ROOT).ip(target));
            return 0;
        }
    }

    @Command(name = "docker", mixinStandardHelpOptions = true,
            description = "Run the docker CLI against a host's dockerd (lab up --docker); exits with its exit code.")
    static final class Docker implements Callable<Integer> {
        @CommandLine.Mixin
        NameOption lab;

        @Parameters(index = "0", paramLabel = "HOST", description = "A host (h1).")
        String host;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "ARGS", description = "docker's arguments; put -- before them.")
        List<String> args;

        @Override
        public Integer call() {
            return Lab.open(lab.name, LabOptions.DEFAULT_STATE_ROOT).dockerInteractive(host, args);
        }
    }

    @Command(name = "down", mixinStandardHelpOptions = true,
            description = "Remove every namespace, process and file of the lab, even after a failed up. Safe to repeat.")
    static final class Down implements Callable<Integer> {
        @CommandLine.Mixin
        NameOption lab;

        @Override
        public Integer call() {
            System.out.println(Lab.down(lab.name, LabOptions.DEFAULT_STATE_ROOT));
            return 0;
        }
    }

    /** Used by the lab itself to write the config from inside the underlay namespace, where etcd listens. */
    @Command(name = "put-config", hidden = true)
    static final class PutConfig implements Callable<Integer> {
        @CommandLine.Mixin
        StoreOptions store;

        @Option(names = "--config", required = true)
        String config;

        @Override
        public Integer call() {
            LabConfig.write(store.spec(), store.prefix(), config);
            return 0;
        }
    }
}

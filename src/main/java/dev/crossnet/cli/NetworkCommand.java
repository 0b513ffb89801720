package dev.crossnet.cli;

import dev.crossnet.docker.DockerStore;
import dev.crossnet.docker.NetworkAdmin;
import dev.crossnet.docker.NetworkRecord;
import dev.crossnet.store.Store;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code crossnet network create|ls|inspect|rm}: the cluster's Docker networks. Thin over {@link NetworkAdmin}. */
@Command(name = "network", mixinStandardHelpOptions = true,
        description = "The crossnet Docker networks of the whole cluster, as every host's dockerd sees them.",
        subcommands = {NetworkCommand.Create.class, NetworkCommand.Ls.class, NetworkCommand.Inspect.class, NetworkCommand.Rm.class})
final class NetworkCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "network: a subcommand is required (create, ls, inspect, rm)");
    }

    static <T> T withAdmin(StoreOptions options, Function<NetworkAdmin, T> f) {
        try (Store s = options.open()) {
            return f.apply(new NetworkAdmin(new DockerStore(s, options.prefix()), Clock.systemUTC()));
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a network on every host (docker network create -d crossnet).")
    static final class Create implements Callable<Integer> {
        @Mixin
        StoreOptions store;
        @Parameters(index = "0", paramLabel = "NAME")
        String name;
        @Option(names = "--subnet", required = true, paramLabel = "CIDR")
        String subnet;
        @Option(names = "--gateway", paramLabel = "IP", description = "Default: the subnet's first address.")
        String gateway;
        @Option(names = "--ip-range", paramLabel = "CIDR")
        String ipRange;
        @Option(names = "--attachable")
        boolean attachable;
        @Option(names = {"-o", "--opt"}, paramLabel = "KEY=VALUE")
        Map<String, String> opts = new LinkedHashMap<>();

        @Override
        public Integer call() {
            NetworkRecord n = withAdmin(store, a -> a.create(name, subnet, gateway, ipRange, attachable, opts));
            System.out.println(n.id());
            return 0;
        }
    }

    @Command(name = "ls", mixinStandardHelpOptions = true, description = "List the networks.")
    static final class Ls implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Override
        public Integer call() {
            System.out.print(withAdmin(store, NetworkAdmin::list));
            return 0;
        }
    }

    @Command(name = "inspect", mixinStandardHelpOptions = true, description = "Every container on every host, the VNI and the peers.")
    static final class Inspect implements Callable<Integer> {
        @Mixin
        StoreOptions store;
        @Parameters(index = "0", paramLabel = "NAME|ID")
        String ref;

        @Override
        public Integer call() {
            String out = withAdmin(store, a -> a.inspect(ref));
            System.out.println(out);
            return 0;
        }
    }

    @Command(name = "rm", mixinStandardHelpOptions = true, description = "Remove a network from every host (refused while containers use it).")
    static final class Rm implements Callable<Integer> {
        @Mixin
        StoreOptions store;
        @Parameters(index = "0", paramLabel = "NAME|ID")
        String ref;

        @Override
        public Integer call() {
            System.out.println(withAdmin(store, a -> a.remove(ref)).label());
            return 0;
        }
    }
}

package dev.crossnet.cli;

import dev.crossnet.cluster.ClusterAdmin;
import dev.crossnet.cluster.NodeList;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code crossnet node ls|rm}: the cluster's hosts. */
@Command(name = "node", mixinStandardHelpOptions = true, description = "The hosts of the cluster (after crossnet init/join).",
        subcommands = {NodeCommand.Ls.class, NodeCommand.Rm.class})
final class NodeCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "node: a subcommand is required (ls, rm)");
    }

    @Command(name = "ls", mixinStandardHelpOptions = true, description = "Every host: address, subnet, whether its agent is ready and since when, etcd role, whether its etcd member answers.")
    static final class Ls implements Callable<Integer> {
        @Mixin
        ClusterCommands.ConfigDirOption config;

        @Override
        public Integer call() {
            System.out.print(NodeList.render(NodeList.collect(config.dir())));
            return 0;
        }
    }

    @Command(name = "rm", mixinStandardHelpOptions = true, description = "Remove a host (gone for good) from the cluster: its record and etcd member.")
    static final class Rm implements Callable<Integer> {
        @Mixin
        ClusterCommands.ConfigDirOption config;
        @Parameters(index = "0", paramLabel = "HOST")
        String host;
        @Option(names = "--force", description = "Remove it even if that leaves 2 etcd voters (which survive no failure).")
        boolean force;

        @Override
        public Integer call() {
            ClusterAdmin.removeNode(config.dir(), host, force);
            System.out.println("removed " + host);
            return 0;
        }
    }
}

package dev.crossnet.cli;

import dev.crossnet.CrossnetException;
import dev.crossnet.status.ClusterStatus;
import dev.crossnet.status.ClusterStatusReader;
import dev.crossnet.status.StatusTable;
import dev.crossnet.store.Store;
import dev.crossnet.store.StoreSpec;
import dev.crossnet.store.Stores;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code crossnet status [--json]}: the cluster from the store, on any host: every host with its subnet, backend and
 * mode, agent, whether this host reaches it over the overlay and the RTT (as this host's agent measured), each host's
 * own view of its peers, the Docker networks and their containers, and the current errors. Exits 1 when the store
 * cannot be read (the document still prints, saying so).
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show the cluster: hosts, their reachability over the overlay from each host, Docker networks, errors.")
final class StatusCommand implements Callable<Integer> {
    @Mixin
    StoreOptions storeOptions;

    @Option(names = "--json", description = "Print the status document as JSON (for scripts).")
    boolean json;

    @Option(names = "--host-name", paramLabel = "NAME",
            description = "This host's name in the store (default: the cluster config's, else the machine's hostname), as the agent's --host-name.")
    String hostName;

    @Override
    public Integer call() {
        if (hostName != null && (hostName.isBlank() || hostName.contains("/"))) {
            throw new CrossnetException("--host-name: \"" + hostName + "\" is not a host name (empty, or contains /)");
        }
        StoreSpec spec = storeOptions.spec();
        String prefix = storeOptions.prefix();
        String from = hostName != null ? hostName : storeOptions.clusterHost().orElseGet(StatusCommand::hostname);
        ClusterStatus.StoreHealth where = ClusterStatusReader.describe(spec);
        ClusterStatus s;
        try (Store store = Stores.open(spec)) {
            s = new ClusterStatusReader(store, prefix, where, Clock.systemUTC()).read(from);
        } catch (CrossnetException e) {
            // Not even opened: the same document as for a store that fails to answer.
            s = new ClusterStatus(Clock.systemUTC().instant().toString(), from,
                    new ClusterStatus.StoreHealth(where.kind(), where.endpoints(), false, e.getMessage()), null, List.of(), List.of());
        }
        System.out.print(json ? s.toJson() + "\n" : StatusTable.render(s));
        return s.store().healthy() ? 0 : 1;
    }

    private static String hostname() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "";
        }
    }
}

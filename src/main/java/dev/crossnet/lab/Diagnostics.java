package dev.crossnet.lab;

import dev.crossnet.lab.LabState.HostState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/** What a failed test dumps about a lab (see {@link Lab#diagnostics()}). */
final class Diagnostics {
    private Diagnostics() {
    }

    /**
     * Everything a failed test wants to see: the store's keys, each agent's log tail, and each
     * host's {@code ip -d link}, routes, neighbours and {@code bridge fdb}. Never throws.
     */
    static String of(LabNames names, Path dir, LabState state) {
        StringBuilder b = new StringBuilder("=== lab " + names.lab() + " (" + dir + ")\n");
        try {
            b.append("--- store ").append(state.store()).append('\n');
            if (state.store().startsWith("etcd://")) {
                // The lab's etcd listens on the underlay only: ask from there.
                String ep = "--endpoints=http://" + state.store().substring("etcd://".length());
                Cmd.Result r = Cmd.run(Plumbing.inNs(new LabNames(state.name()).underlayNs(),
                        List.of("etcdctl", ep, "get", "--prefix", state.prefix())), null, Duration.ofSeconds(10));
                b.append(r.out()).append(r.err());
            } else {
                b.append(LabConfig.dump(state.store(), state.prefix()));
            }
        } catch (RuntimeException e) {
            b.append("(store unreadable from here: ").append(e.getMessage()).append(")\n");
        }
        for (HostState h : state.hosts()) {
            b.append("--- ").append(h.name()).append(" agent log (last 40 lines)\n    ")
                    .append(Processes.tail(Agents.log(dir, h.name()), 40)).append('\n');
            for (String c : List.of("ip -d link", "ip addr", "ip route", "ip neigh", "bridge fdb")) {
                Cmd.Result r = Cmd.run(Plumbing.inNs(h.netns(), Arrays.asList(c.split(" "))), null, Duration.ofSeconds(10));
                b.append("--- ").append(h.name()).append(": ").append(c).append('\n').append(r.out()).append(r.err());
            }
        }
        return b.toString();
    }
}

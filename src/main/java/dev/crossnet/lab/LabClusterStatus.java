package dev.crossnet.lab;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crossnet.CrossnetException;
import dev.crossnet.status.ClusterStatus;
import dev.crossnet.status.StatusTable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The cluster part of {@code crossnet lab status}: {@code crossnet status --json} run inside the first host's
 * namespace (the lab's etcd answers on the underlay, not in the root namespace), as that host, with the lab's store
 * flags. The document holds every host's own view of its peers, so one run shows the lab per host. Blocking.
 */
public final class LabClusterStatus {
    private LabClusterStatus() {
    }

    /** The document as the lab's first host builds it. @throws CrossnetException when the lab has no host or crossnet fails */
    public static ClusterStatus read(Lab lab) {
        LabState s = lab.state();
        if (s.hosts().isEmpty()) {
            throw new CrossnetException("lab " + s.name() + " has no hosts");
        }
        LabState.HostState h = s.hosts().get(0);
        List<String> cmd = new ArrayList<>(dev.crossnet.SelfCommand.argv(Agents.KERNEL_BACKEND_JVM));
        cmd.addAll(List.of("status", "--json", "--host-name", h.name()));
        cmd.addAll(LabCluster.isCluster(s) ? List.of("--config-dir", LabCluster.configDir(lab.dir(), h.name()).toString())
                : List.of("--store", s.store(), "--prefix", s.prefix()));
        Cmd.Result r = Cmd.run(Plumbing.inNs(h.netns(), cmd), null, Duration.ofSeconds(60));
        // Exit 1 with a document: the store did not answer; the document says so.
        if (r.exit() > 1 || r.out().isBlank()) {
            throw new CrossnetException("crossnet status in " + h.name() + " failed (exit " + r.exit() + "): "
                    + r.err().strip().replaceFirst("^crossnet: error: ", ""));
        }
        return ClusterStatus.fromJson(r.out());
    }

    /**
     * {@link #read}, or when that fails a document with no hosts whose store part says why (the store is not
     * reachable from the lab's first host, or the lab has no host). Never throws a {@link CrossnetException}.
     */
    public static ClusterStatus readOrSayWhy(Lab lab) {
        try {
            return read(lab);
        } catch (CrossnetException e) {
            LabState s = lab.state();
            String kind = s.store() != null && s.store().startsWith("file:") ? "embedded" : "etcd";
            return new ClusterStatus(java.time.Instant.now().toString(), "",
                    new ClusterStatus.StoreHealth(kind, s.store() == null ? List.of() : List.of(s.store()), false, e.getMessage()),
                    null, List.of(), List.of());
        }
    }

    /** {@code lab status --json}: the lab's own fields, plus the document as {@code cluster}. */
    public static String json(LabStatus lab, ClusterStatus cluster) {
        ObjectMapper m = ClusterStatus.mapper();
        ObjectNode o = m.valueToTree(lab);
        o.set("cluster", m.valueToTree(cluster));
        return o.toPrettyString();
    }

    /** {@code lab status}'s cluster part for people. */
    public static String render(ClusterStatus cluster) {
        return StatusTable.render(cluster);
    }
}

package dev.crossnet.cluster;

import dev.crossnet.CrossnetException;
import dev.crossnet.status.AgentPresence;
import dev.crossnet.status.HostReport;
import dev.crossnet.status.StatusTable;
import dev.crossnet.store.StoreJson;
import dev.crossnet.lease.LeaseRegistry;
import dev.crossnet.model.Lease;
import dev.crossnet.store.Store;
import dev.crossnet.store.Stores;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code crossnet node ls}: the node records joined with the leases, the agents' status records
 * ({@link AgentPresence}), this host's agent's overlay probes ({@link HostReport}) and the etcd member list.
 */
public final class NodeList {
    private NodeList() {
    }

    /**
     * One row.
     *
     * @param subnet    the host's lease ({@code -} if none: its agent has not leased one yet)
     * @param agent     {@link AgentPresence.Status#describe}, or {@code -} if no agent on the host has reported
     * @param etcd      voter, learner or client
     * @param reachable for a member: whether its client port accepts a TCP connection from here; "-" for a client
     * @param overlay   whether this host's agent reaches it over the overlay ({@link #overlay}): {@code yes 0.21ms}, {@code no},
     *                  {@code self}, or {@code -} without a probe of it
     */
    public record Row(String host, String address, String subnet, String agent, String etcd, String reachable, String joined,
                      String overlay) {
    }

    public static List<Row> collect(Path dir) {
        ClusterConfig cfg = ClusterAdmin.require(dir);
        ClusterConfig.Layout files = new ClusterConfig.Layout(dir);
        List<Row> rows = new ArrayList<>();
        try (Store store = Stores.open(cfg.storeSpec(dir, Duration.ofSeconds(10)));
             EtcdCluster etcd = new JetcdCluster(cfg.etcdEndpoints().stream().map(URI::create).toList(), files.caCert(),
                     files.hostCert(), files.hostKey(), Duration.ofSeconds(10))) {
            List<Lease> leases = new LeaseRegistry(store, cfg.prefix()).leases(false).leases();
            List<AgentPresence.Status> agents = AgentPresence.list(store);
            HostReport own = ownReport(store, cfg.host());
            List<EtcdCluster.Member> members = etcd.members();
            ClusterConfig.refreshEndpoints(dir, cfg, members);
            for (NodeRegistry.Node n : new NodeRegistry(store).list()) {
                String subnet = leases.stream().filter(l -> n.address().equals(l.attrs().publicIp())).map(l -> l.subnet().toString())
                        .findFirst().orElse("-");
                EtcdCluster.Member m = members.stream().filter(x -> x.name().equals(n.host())
                        || x.peerUrls().contains(URI.create(EtcdMemberEnv.peerUrl(n.address())))).findFirst().orElse(null);
                String role = m == null ? "client" : m.learner() ? "learner" : "voter";
                String reach = m == null ? "-" : reachable(n.address()) ? "yes" : "no";
                rows.add(new Row(n.host(), n.address(), subnet, agent(agents, n), role, reach, n.joined(),
                        n.host().equals(cfg.host()) ? "self" : overlay(own, n.address())));
            }
        }
        return rows;
    }

    /**
     * The agent column for {@code n}: its agent's record by host name, else one by underlay address
     * (an agent run with another --host-name than the cluster's), a live one first.
     */
    static String agent(List<AgentPresence.Status> agents, NodeRegistry.Node n) {
        AgentPresence.Status s = agents.stream().filter(a -> a.host().equals(n.host())).findFirst()
                .or(() -> agents.stream().filter(a -> n.address().equals(a.address())).max(Comparator.comparing(AgentPresence.Status::alive)))
                .orElse(null);
        return s == null ? "-" : s.describe();
    }

    /** This host's agent's report, or null (no agent running here, or a report that does not parse). */
    private static HostReport ownReport(Store store, String host) {
        try {
            return store.get(HostReport.PREFIX + host).map(kv -> StoreJson.read(kv, HostReport.class)).orElse(null);
        } catch (CrossnetException e) {
            return null;
        }
    }

    /** The OVERLAY column for the host at {@code address}: as this host's agent last probed it. */
    static String overlay(HostReport own, String address) {
        if (own == null) {
            return "-";
        }
        return own.peers().stream().filter(p -> address.equals(p.publicIp())).findFirst()
                .map(p -> p.reachable() ? "yes " + StatusTable.rtt(p) : "no").orElse("-");
    }

    private static boolean reachable(String ip) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(ip, EtcdMemberEnv.CLIENT_PORT), 1000);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    public static String render(List<Row> rows) {
        String f = "%-16s %-16s %-18s %-44s %-8s %-8s %-14s %s%n";
        StringBuilder b = new StringBuilder(String.format(f, "HOST", "ADDRESS", "SUBNET", "AGENT", "ETCD", "ETCD-UP", "OVERLAY", "JOINED"));
        for (Row r : rows) {
            b.append(String.format(f, r.host(), r.address(), r.subnet(), r.agent(), r.etcd(), r.reachable(), r.overlay(), r.joined()));
        }
        return b.toString();
    }
}

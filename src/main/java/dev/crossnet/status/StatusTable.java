package dev.crossnet.status;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Renders a {@link ClusterStatus} for people: a header (store, network, from), one line per host (with whether
 * the host the document was built from reaches it and the RTT), each host's own view of its peers, the Docker
 * networks with their containers, and the current errors.
 * <pre>
 * HOST  ADDRESS      SUBNET       BACKEND  AGENT                  FROM h1  RTT      MODE
 * h1    172.30.0.11  10.5.1.0/24  vxlan    ready since 2026-...   (self)   -        directRouting=off vni=1
 * h2    172.30.0.12  10.5.2.0/24  vxlan    down since 2026-...    no       0.31ms
 * </pre>
 * Pure; thread-safe.
 */
public final class StatusTable {
    private StatusTable() {
    }

    public static String render(ClusterStatus s) {
        StringBuilder b = new StringBuilder();
        ClusterStatus.StoreHealth st = s.store();
        b.append("store:   ").append(st == null ? "-" : st.kind() + " " + String.join(",", st.endpoints())
                + (st.healthy() ? " (healthy)" : " (UNREACHABLE: " + st.error() + ")")).append('\n');
        b.append("network: ").append(s.network() == null ? "- (no config)" : s.network().cidr() + ", " + s.network().backend() + " backend")
                .append('\n');
        b.append("from:    ").append(s.from().isEmpty() ? "-" : s.from()).append(" at ").append(s.takenAt()).append("\n\n");
        ClusterStatus.Host self = s.host(s.from());
        String reachHeader = s.from().isEmpty() ? "REACHABLE" : "FROM " + s.from();
        List<String[]> hosts = new ArrayList<>();
        hosts.add(new String[] {"HOST", "ADDRESS", "SUBNET", "BACKEND", "AGENT", reachHeader, "RTT", "MODE"});
        for (ClusterStatus.Host h : s.hosts()) {
            String reach = "-";
            String rtt = "-";
            if (h.name().equals(s.from())) {
                reach = "(self)";
            } else if (self != null) {
                ClusterStatus.Peer p = self.peers().stream().filter(x -> x.name().equals(h.name())).findFirst().orElse(null);
                if (p != null) {
                    reach = p.reachable() ? "yes" : "no";
                    rtt = rtt(p);
                }
            }
            hosts.add(new String[] {h.name(), dash(h.publicIp()), dash(h.subnet()), dash(h.backend()), agent(h.agent()), reach, rtt,
                    mode(h.mode())});
        }
        table(b, hosts);
        b.append("\nPEERS (each host's own probes over the overlay)\n");
        List<String[]> peers = new ArrayList<>();
        peers.add(new String[] {"HOST", "PEER", "REACHABLE", "RTT", "LAST PROBE"});
        for (ClusterStatus.Host h : s.hosts()) {
            if (h.peers().isEmpty()) {
                peers.add(new String[] {h.name(), "-", "-", "-", h.agent().ready() ? "(no peers probed yet)" : "(no report: agent not running)"});
            }
            for (ClusterStatus.Peer p : h.peers()) {
                peers.add(new String[] {h.name(), p.name(), p.reachable() ? "yes" : "no", rtt(p), dash(p.lastProbe())});
            }
        }
        table(b, peers);
        b.append("\nDOCKER NETWORKS\n");
        if (s.networks().isEmpty()) {
            b.append("(none)\n");
        } else {
            List<String[]> nets = new ArrayList<>();
            nets.add(new String[] {"NETWORK", "SUBNET", "HOST", "CONTAINER", "IP"});
            for (ClusterStatus.DockerNetwork n : s.networks()) {
                if (n.containers().isEmpty()) {
                    nets.add(new String[] {n.name(), dash(n.subnet()), "-", "-", "-"});
                }
                boolean first = true;
                for (ClusterStatus.Container c : n.containers()) {
                    nets.add(new String[] {first ? n.name() : "", first ? dash(n.subnet()) : "", c.host(), c.name(), dash(c.ip())});
                    first = false;
                }
            }
            table(b, nets);
        }
        b.append("\nERRORS\n");
        List<String[]> errors = new ArrayList<>();
        errors.add(new String[] {"HOST", "KIND", "OBJECT", "SINCE", "MESSAGE"});
        for (ClusterStatus.Host h : s.hosts()) {
            for (ClusterStatus.Problem p : h.errors()) {
                errors.add(new String[] {h.name(), p.kind(), p.object().isEmpty() ? "-" : p.object(), dash(p.since()), p.message()});
            }
        }
        if (errors.size() == 1) {
            b.append("(none)\n");
        } else {
            table(b, errors);
        }
        return b.toString();
    }

    /** {@code ready since T}, {@code not ready since T: why}, {@code down since T}, or {@code none}. */
    static String agent(ClusterStatus.AgentState a) {
        if (a == null || "none".equals(a.state())) {
            return "none";
        }
        return a.state() + (a.since() == null ? "" : " since " + a.since()) + (a.why() == null ? "" : ": " + a.why());
    }

    /** {@code 0.21ms}, with {@code (last)} for a peer no longer reachable, or {@code -} before any answer. */
    public static String rtt(ClusterStatus.Peer p) {
        if (p.rttMs() == null) {
            return "-";
        }
        String ms = String.format(Locale.ROOT, "%.2fms", p.rttMs());
        return p.reachable() ? ms : ms + " (last)";
    }

    private static String mode(Map<String, String> mode) {
        StringBuilder b = new StringBuilder();
        new TreeMap<>(mode).forEach((k, v) -> b.append(b.length() == 0 ? "" : " ").append(k).append('=').append(v));
        return b.length() == 0 ? "-" : b.toString();
    }

    private static String dash(String s) {
        return s == null || s.isEmpty() ? "-" : s;
    }

    private static void table(StringBuilder b, List<String[]> rows) {
        int[] width = new int[rows.get(0).length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                line.append(i == r.length - 1 ? r[i] : String.format("%-" + (width[i] + 2) + "s", r[i]));
            }
            b.append(line.toString().stripTrailing()).append('\n');
        }
    }
}

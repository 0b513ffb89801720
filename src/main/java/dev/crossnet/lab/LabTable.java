package dev.crossnet.lab;

import java.util.ArrayList;
import java.util.List;

/**
 * Renders a lab as a plain-text table, one line per container (a host's first line carries the
 * host's columns):
 * <pre>
 * HOST  UNDERLAY     SUBNET        AGENT       CONTAINER  IP
 * h1    172.30.0.11  10.5.34.0/24  4242 ready  h1-c1      10.5.34.2
 *                                              h1-c2      10.5.34.3
 * </pre>
 * Pure; thread-safe.
 */
public final class LabTable {
    private static final String[] HEADER = {"HOST", "UNDERLAY", "SUBNET", "AGENT", "CONTAINER", "IP"};

    private LabTable() {
    }

    public static String render(LabStatus status) {
        List<String[]> rows = new ArrayList<>();
        rows.add(HEADER);
        for (LabStatus.HostStatus h : status.hosts()) {
            String subnet = h.subnet() == null ? "-" : h.subnet();
            if (h.containers().isEmpty()) {
                rows.add(new String[] {h.name(), h.underlayIp(), subnet, h.agentText(), "-", "-"});
                continue;
            }
            boolean first = true;
            for (LabState.ContainerState c : h.containers()) {
                rows.add(first
                        ? new String[] {h.name(), h.underlayIp(), subnet, h.agentText(), c.name(), c.ip()}
                        : new String[] {"", "", "", "", c.name(), c.ip()});
                first = false;
            }
        }
        int[] width = new int[HEADER.length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        StringBuilder b = new StringBuilder();
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                line.append(i == r.length - 1 ? r[i] : String.format("%-" + (width[i] + 2) + "s", r[i]));
            }
            b.append(line.toString().stripTrailing()).append('\n');
        }
        return b.toString();
    }
}

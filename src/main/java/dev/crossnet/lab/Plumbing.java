package dev.crossnet.lab;

import dev.crossnet.agent.SubnetEnv;
import dev.crossnet.CrossnetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The lab's kernel plumbing, through iproute2: one {@code ip -batch} per namespace and step, so a
 * host costs a handful of processes, not dozens. Nothing is created in the root namespace: veths
 * are created from inside one namespace straight into the other ({@code peer name eth0 netns NS}).
 *
 * <p>These calls create; they are not idempotent (a second call fails on the existing device).
 * {@code up} runs each once on fresh namespaces, and {@code down} deletes whole namespaces. All
 * methods block and are thread-safe.
 */
final class Plumbing {
    static final Path NETNS_DIR = Path.of("/var/run/netns");

    private Plumbing() {
    }

    static String netnsPath(String ns) {
        return NETNS_DIR.resolve(ns).toString();
    }

    /** {@code nsenter --net=/var/run/netns/NS} followed by {@code cmd}. */
    static List<String> inNs(String ns, List<String> cmd) {
        List<String> argv = new ArrayList<>(List.of("nsenter", "--net=" + netnsPath(ns), "--"));
        argv.addAll(cmd);
        return argv;
    }

    /**
     * {@code GET http://host:port/path} from inside {@code ns}, with bash's {@code /dev/tcp} (no
     * HTTP client needs to be installed, and this JVM's sockets live in the root namespace).
     *
     * @return the HTTP status, or 0 if nothing answered within two seconds
     */
    static int httpStatus(String ns, String host, int port, String path) {
        String script = "exec 3<>/dev/tcp/" + host + "/" + port
                + " && printf 'GET " + path + " HTTP/1.0\\r\\nHost: " + host + "\\r\\n\\r\\n' >&3 && head -n 1 <&3";
        Cmd.Result r = Cmd.run(inNs(ns, List.of("timeout", "2", "bash", "-c", script)), null, java.time.Duration.ofSeconds(5));
        String[] status = r.out().trim().split(" ");
        if (r.exit() != 0 || status.length < 2 || !status[0].startsWith("HTTP/")) {
            return 0;
        }
        try {
            return Integer.parseInt(status[1]);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static void addNamespaces(List<String> names) {
        StringBuilder b = new StringBuilder();
        for (String n : names) {
            b.append("netns add ").append(n).append('\n');
        }
        Cmd.check(List.of("ip", "-batch", "-"), b.toString());
    }

    /** Runs {@code lines} as one batch inside {@code ns}; stops at the first failing line. */
    static void batch(String ns, List<String> lines) {
        Cmd.check(List.of("ip", "-n", ns, "-batch", "-"), String.join("\n", lines) + "\n");
    }

    /** The namespaces whose names start with {@code prefix}, from {@code /var/run/netns}. */
    static List<String> listNamespaces(String prefix) {
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(NETNS_DIR)) {
            return out;
        }
        try (var s = Files.list(NETNS_DIR)) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(prefix)).sorted().forEach(out::add);
        } catch (java.io.IOException e) {
            throw new CrossnetException("cannot list " + NETNS_DIR + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** The pids of processes inside {@code ns} (empty if it is gone). */
    static List<Long> pids(String ns) {
        Cmd.Result r = Cmd.run(List.of("ip", "netns", "pids", ns), null, Cmd.DEFAULT_TIMEOUT);
        List<Long> out = new ArrayList<>();
        if (r.exit() != 0) {
            return out;
        }
        for (String l : r.out().split("\\s+")) {
            if (!l.isBlank()) {
                out.add(Long.parseLong(l.trim()));
            }
        }
        return out;
    }

    /** Deletes the namespaces, going on past any that are already gone. */
    static void deleteNamespaces(List<String> names) {
        if (names.isEmpty()) {
            return;
        }
        StringBuilder b = new StringBuilder();
        for (String n : names) {
            b.append("netns del ").append(n).append('\n');
        }
        Cmd.run(List.of("ip", "-force", "-batch", "-"), b.toString(), Cmd.DEFAULT_TIMEOUT);
    }

    /** The underlay namespace: one bridge carrying the underlay's first address. */
    static void createUnderlay(LabNames names) {
        addNamespaces(List.of(names.underlayNs()));
        String br = LabNames.UNDERLAY_BRIDGE;
        batch(names.underlayNs(), List.of(
                "link set lo up",
                "link add " + br + " type bridge",
                "addr add " + LabNames.underlayGateway() + "/" + LabNames.UNDERLAY.prefixLength() + " dev " + br,
                "link set " + br + " up"));
    }

    /**
     * A host namespace with {@code eth0} on the underlay bridge and its underlay address, and IP
     * forwarding on (the host routes for its containers, as Docker turns it on for docker0).
     */
    static void createHost(LabNames names, int host) {
        String ns = names.hostNs(host);
        addNamespaces(List.of(ns));
        String port = LabNames.underlayPort(host);
        batch(names.underlayNs(), List.of(
                "link add " + port + " type veth peer name " + LabNames.HOST_IFACE + " netns " + ns,
                "link set " + port + " master " + LabNames.UNDERLAY_BRIDGE + " up"));
        batch(ns, List.of(
                "link set lo up",
                "addr add " + LabNames.hostUnderlayIp(host) + "/" + LabNames.UNDERLAY.prefixLength() + " dev " + LabNames.HOST_IFACE,
                "link set " + LabNames.HOST_IFACE + " up"));
        Cmd.check(inNs(ns, List.of("sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward")), null);
    }

    /**
     * The host's container bridge with the subnet's gateway address, and {@code count} container
     * namespaces on it, each with one address, a default route via the bridge, and the MTU of
     * subnet.env.
     */
    static void createContainers(LabNames names, int host, SubnetEnv env, int count) {
        String ns = names.hostNs(host);
        String br = LabNames.HOST_BRIDGE;
        List<String> cns = new ArrayList<>();
        for (int c = 1; c <= count; c++) {
            cns.add(names.containerNs(host, c));
        }
        if (!cns.isEmpty()) {
            addNamespaces(cns);
        }
        // The bridge's MTU is set before any port joins; veths are created with the same MTU so
        // that joining them does not move it.
        List<String> hostLines = new ArrayList<>(List.of(
                "link add " + br + " type bridge",
                "link set " + br + " mtu " + env.mtu(),
                "addr add " + env.gatewayCidr() + " dev " + br,
                "link set " + br + " up"));
        for (int c = 1; c <= count; c++) {
            String port = LabNames.containerPort(c);
            hostLines.add("link add " + port + " mtu " + env.mtu() + " type veth peer name "
                    + LabNames.CONTAINER_IFACE + " netns " + names.containerNs(host, c));
            hostLines.add("link set " + port + " master " + br + " up");
        }
        batch(ns, hostLines);
        for (int c = 1; c <= count; c++) {
            String ifc = LabNames.CONTAINER_IFACE;
            batch(names.containerNs(host, c), List.of(
                    "link set lo up",
                    "addr add " + LabNames.containerIp(env.subnet(), c) + "/" + env.subnet().prefixLength() + " dev " + ifc,
                    "link set " + ifc + " mtu " + env.mtu() + " up",
                    "route add default via " + env.gateway() + " dev " + ifc));
        }
    }
}

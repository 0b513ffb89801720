package dev.crossnet.docker;

import static org.awaitility.Awaitility.await;

import dev.crossnet.docker.lab.Exec;
import dev.crossnet.lab.Lab;
import dev.crossnet.lab.LabOptions;
import dev.crossnet.lab.TcpStream;
import dev.crossnet.store.KeyValue;
import dev.crossnet.store.sqlite.SqliteStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * A two-host lab with a dockerd per host ({@code lab up --docker}) for the Docker ITs: a unique
 * {@code cnn…} name, docker helpers, store snapshots, and a dump of everything on failure.
 * {@link #close} takes the lab down (daemons, namespaces, directory) whatever happened.
 */
final class DockerLab implements AutoCloseable {
    static final Duration CMD = Duration.ofSeconds(60);
    /** The limit on every wait for state to converge: generous, since it only stops a broken run. */
    static final Duration PATIENCE = Duration.ofSeconds(60);

    final Lab lab;
    final String name;

    DockerLab(int hosts) {
        this("cnn", hosts);
    }

    DockerLab(String namePrefix, int hosts) {
        this(namePrefix, hosts, o -> o);
    }

    /** @param agentFlags more flags for every host's agent */
    DockerLab(String namePrefix, int hosts, String... agentFlags) {
        this(namePrefix, hosts, o -> o.withAgentFlags(agentFlags));
    }

    /** @param tweak changes the lab's options before it comes up, e.g. its busybox cache */
    DockerLab(String namePrefix, int hosts, UnaryOperator<LabOptions> tweak) {
        name = namePrefix + UUID.randomUUID().toString().replace("-", "").substring(0, 7);
        Lab l;
        try {
            l = Lab.up(tweak.apply(LabOptions.defaults().withName(name).withHosts(hosts).withContainersPerHost(0).withDocker(true)
                    .withProgress(line -> System.out.println("  " + line))));
        } catch (RuntimeException e) {
            Lab.down(name, LabOptions.DEFAULT_STATE_ROOT);
            throw e;
        }
        lab = l;
    }

    /** Runs docker on {@code host}; throws with stderr if it fails. */
    String docker(String host, String... args) {
        return lab.docker(host, CMD, args).orThrow().stdout().strip();
    }

    Exec.Result tryDocker(String host, String... args) {
        return lab.docker(host, CMD, args);
    }

    String run(String host, String network, String container, String... extra) {
        java.util.List<String> a = new java.util.ArrayList<>(java.util.List.of("run", "-d", "--name", container, "--network", network));
        a.addAll(java.util.List.of(extra));
        a.addAll(java.util.List.of("busybox", "sleep", "3600"));
        return docker(host, a.toArray(String[]::new));
    }

    String ip(String host, String container) {
        return docker(host, "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", container);
    }

    /**
     * Container {@code container} on {@code host} as one end of a {@link TcpStream}: its network
     * namespace (by its process: the sandbox file is a mount only dockerd's mount namespace sees)
     * and its address.
     */
    TcpStream.End end(String host, String container) {
        return new TcpStream.End(container, "/proc/" + docker(host, "inspect", "-f", "{{.State.Pid}}", container) + "/ns/net",
                ip(host, container));
    }

    boolean pings(String host, String container, String target) {
        return tryDocker(host, "exec", container, "ping", "-c", "1", "-W", "1", target).ok();
    }

    void awaitPing(String host, String container, String target) {
        await(host + "/" + container + " pings " + target).atMost(PATIENCE).pollInterval(Duration.ofMillis(100))
                .until(() -> pings(host, container, target));
    }

    /** Waits until {@code network} is in {@code host}'s dockerd (created on another host). */
    void awaitNetwork(String host, String network) {
        await(network + " on " + host).atMost(PATIENCE).pollInterval(Duration.ofMillis(20))
                .until(() -> tryDocker(host, "network", "inspect", network).ok());
    }

    /** Waits until a process whose command line contains {@code text} runs in {@code container}. */
    void awaitExecRunning(String host, String container, String text) {
        await(text + " running in " + container).atMost(PATIENCE).pollInterval(Duration.ofMillis(50))
                .until(() -> tryDocker(host, "exec", container, "sh", "-c", "ps -o args | grep -v grep | grep -q '" + text + "'").ok());
    }

    /** Stops the dockerd whose state is {@code dir} by its pid file (SIGTERM, then SIGKILL after 20 s). */
    static void stopDaemon(Path dir) {
        try {
            long pid = Long.parseLong(java.nio.file.Files.readString(dir.resolve("docker.pid")).trim());
            ProcessHandle.of(pid).ifPresent(p -> {
                p.destroy();
                try {
                    p.onExit().get(20, java.util.concurrent.TimeUnit.SECONDS);
                } catch (Exception e) {
                    p.destroyForcibly();
                }
            });
        } catch (java.io.IOException | NumberFormatException e) {
            throw new IllegalStateException("no dockerd pid in " + dir + ": " + e.getMessage(), e);
        }
    }

    Path storeFile() {
        return lab.dir().resolve("store.db");
    }

    /** Every key and value under {@code <prefix>/docker/} and {@code /ipam/}, one per line. */
    String snapshot(String under) {
        try (SqliteStore s = SqliteStore.open(storeFile())) {
            return s.list(Lab.PREFIX + under).items().stream().map(kv -> kv.key() + "=" + kv.value())
                    .collect(Collectors.joining("\n"));
        }
    }


    /** The store's value at {@code key}, or null. */
    String get(String key) {
        try (SqliteStore s = SqliteStore.open(storeFile())) {
            return s.get(key).map(KeyValue::value).orElse(null);
        }
    }

    /** {@code ip -o link} of a host, for kernel before/after comparisons. */
    String links(String host) {
        return String.join("\n", lab.exec(host, "ip", "-o", "link", "show").out().lines()
                .map(l -> l.replaceAll("^\\d+: ", "").replaceAll("\\s+link/.*", "")).sorted().toList());
    }

    void dump() {
        System.out.println(lab.diagnostics());
        System.out.println("=== store docker/\n" + snapshot("/docker/"));
        for (var h : lab.state().hosts()) {
            System.out.println("=== " + h.name() + " dockerd log tail");
            System.out.println(lab.exec(h.name(), "tail", "-n", "40", lab.dir().resolve(h.name() + "/docker/dockerd.log").toString()).out());
            System.out.println(lab.exec(h.name(), "sh", "-c", "ip -d link; bridge fdb show | grep cnvx; ip neigh; iptables -S; iptables -t nat -S").out());
        }
    }

    @Override
    public void close() {
        Lab.down(name, LabOptions.DEFAULT_STATE_ROOT);
    }
}

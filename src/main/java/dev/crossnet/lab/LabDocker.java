package dev.crossnet.lab;

import dev.crossnet.CrossnetException;
import dev.crossnet.SelfCommand;
import dev.crossnet.docker.lab.BusyboxImage;
import dev.crossnet.docker.lab.Containerd;
import dev.crossnet.docker.lab.DockerDaemon;
import dev.crossnet.docker.lab.Exec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The dockerd of each lab host ({@code lab up --docker}), under {@code <labdir>/<host>/docker/}: its
 * data, API socket {@code docker.sock} and plugin directory {@code plugins/}, where the host's agent
 * serves {@code crossnet.sock} and a {@code crossnet plugin serve --plugins authz} process of its
 * own serves {@code crossnet-authz.sock} (log {@code authz.log}). The daemon runs with the one-time
 * host setup crossnet asks for: {@code --authorization-plugin=crossnet-authz}, which lets crossnet
 * refuse {@code docker network rm} while other hosts use the network without making every Docker
 * call depend on the agent running, and {@code --dns <the host's underlay IP>}, where the agent
 * answers container names across hosts. Blocking; thread-safe.
 */
final class LabDocker {
    static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    /** The authorization plugin's name for dockerd: its socket's file name without {@code .sock}. */
    static final String AUTHZ_PLUGIN = "crossnet-authz";

    private LabDocker() {
    }

    static Path dir(Path labDir, String host) {
        return Agents.hostDir(labDir, host).resolve("docker");
    }

    static Path socket(Path labDir, String host) {
        return dir(labDir, host).resolve("docker.sock");
    }

    static boolean enabled(Path labDir, String host) {
        return Files.isDirectory(dir(labDir, host));
    }

    static void prepare(Path labDir, String host) {
        try {
            Files.createDirectories(dir(labDir, host).resolve("plugins"));
        } catch (IOException e) {
            throw new CrossnetException("cannot create " + dir(labDir, host) + ": " + e.getMessage(), e);
        }
    }

    /** The agent flags that serve the plugins to this host's dockerd. */
    static List<String> agentArgs(Path labDir, String host) {
        return List.of("--docker-plugin", dir(labDir, host).resolve("plugins/crossnet.sock").toString(),
                "--docker-host", socket(labDir, host).toString());
    }

    static Path authzSocket(Path labDir, String host) {
        return dir(labDir, host).resolve("plugins/" + AUTHZ_PLUGIN + ".sock");
    }

    /**
     * Starts the host's authorization plugin and dockerd (its agent must be serving the plugins,
     * and names on {@code underlayIp}) and imports busybox from the tarball cached at {@code
     * busyboxCache}, building it there first if missing. The hosts of a lab call this at once, and
     * other labs may share the cache: {@link BusyboxImage#tarball} builds it once for all of them.
     */
    static void start(Path labDir, String host, String netns, String underlayIp, LabState lab, Path busyboxCache) {
        startAuthz(labDir, host, netns, lab);
        DockerDaemon d = DockerDaemon.start(netns, dir(labDir, host), START_TIMEOUT, "--authorization-plugin=" + AUTHZ_PLUGIN,
                "--dns", underlayIp);
        BusyboxImage.importInto(d, BusyboxImage.tarball(busyboxCache));
    }

    /**
     * Starts {@code crossnet plugin serve --plugins authz} for {@code host}, detached in its
     * namespace (so it reaches the lab's etcd), and waits until its socket is there. The lab's
     * teardown stops it with every process that names the lab directory.
     */
    private static void startAuthz(Path labDir, String host, String netns, LabState lab) {
        Path sock = authzSocket(labDir, host);
        Path log = dir(labDir, host).resolve("authz.log");
        List<String> cmd = new ArrayList<>(SelfCommand.argv(Agents.KERNEL_BACKEND_JVM));
        cmd.addAll(List.of("plugin", "serve", "--plugins", "authz", "--socket", sock.toString(), "--host-id", host));
        // As the agent: a cluster lab's store is reached through the host's config directory from init/join.
        cmd.addAll(LabCluster.isCluster(lab) ? List.of("--config-dir", LabCluster.configDir(labDir, host).toString())
                : List.of("--store", lab.store(), "--prefix", lab.prefix()));
        Process p = Processes.startDetached(netns, cmd, log);
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!Files.exists(sock)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                throw new CrossnetException(host + ": the authorization plugin (pid " + p.pid() + ") "
                        + (p.isAlive() ? "did not serve " + sock + " within " + START_TIMEOUT.toSeconds() + "s" : "exited")
                        + "; last lines of " + log + ":\n    " + Processes.tail(log, 15));
            }
            Processes.pause(25);
        }
    }

    /** Runs {@code /usr/bin/docker -H unix://<socket> args...}. */
    static Exec.Result docker(Path labDir, String host, Duration timeout, String... args) {
        List<String> argv = new ArrayList<>(List.of(DockerDaemon.DOCKER, "-H", "unix://" + socket(labDir, host)));
        argv.addAll(List.of(args));
        return Exec.run(timeout, argv.toArray(String[]::new));
    }

    static List<String> dockerArgv(Path labDir, String host, List<String> args) {
        List<String> argv = new ArrayList<>(List.of(DockerDaemon.DOCKER, "-H", "unix://" + socket(labDir, host)));
        argv.addAll(args);
        return argv;
    }

    /**
     * Removes every container of every lab dockerd while the agents still answer, stops the
     * daemons by their pid files and removes their containerd namespaces. Idempotent; never throws.
     */
    static void stopAll(LabNames names, Path labDir) {
        if (!Files.isDirectory(labDir)) {
            return;
        }
        List<Path> hosts;
        try (Stream<Path> s = Files.list(labDir)) {
            hosts = s.filter(p -> Files.isDirectory(p.resolve("docker"))).toList();
        } catch (IOException e) {
            return;
        }
        for (Path h : hosts) {
            String host = h.getFileName().toString();
            Path sock = socket(labDir, host);
            if (Files.exists(sock)) {
                try {
                    String ids = docker(labDir, host, Duration.ofSeconds(20), "ps", "-aq").stdout().strip();
                    if (!ids.isEmpty()) {
                        List<String> rm = new ArrayList<>(List.of("rm", "-f"));
                        rm.addAll(List.of(ids.split("\\s+")));
                        docker(labDir, host, Duration.ofSeconds(60), rm.toArray(String[]::new));
                    }
                } catch (RuntimeException e) {
                    // the daemon is gone already: its containers went with it
                }
            }
            pid(h.resolve("docker/docker.pid")).flatMap(ProcessHandle::of).ifPresent(p -> {
                p.destroy();
                try {
                    p.onExit().get(20, java.util.concurrent.TimeUnit.SECONDS);
                } catch (Exception e) {
                    p.destroyForcibly();
                }
            });
            LabNames.parseRef(host).filter(LabNames.Ref::isHost).ifPresent(ref -> {
                String ns = "crossnet-" + names.hostNs(ref.host());
                for (String n : new String[] {ns, ns + "-plugins"}) {
                    try {
                        Exec.run(Duration.ofSeconds(10), "ctr", "--address", Containerd.SOCKET, "namespaces", "remove", n);
                    } catch (RuntimeException ignored) {
                        // best effort: an empty namespace left behind is harmless
                    }
                }
            });
        }
    }

    private static Optional<Long> pid(Path file) {
        try {
            return Optional.of(Long.parseLong(Files.readString(file).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }
}

package dev.crossnet.cni;

import dev.crossnet.docker.lab.BusyboxImage;
import dev.crossnet.docker.lab.Exec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Debian's podman (4.3) for one lab host, configured from files under {@code dir} only, so nothing
 * on the machine changes: {@code CONTAINERS_CONF} (CNI backend, crossnet's plugin directory before
 * Debian's, CNI configs in {@code dir/cni}, per-host tmp dir and file locks, cgroupfs, no journald)
 * and {@code CONTAINERS_STORAGE_CONF} (vfs storage under {@code dir}). Each command runs in the
 * host's network namespace ({@code nsenter --net}), so the bridge plugin builds the bridge there;
 * podman makes each container's namespace itself. The network {@code crossnet} is a conflist with
 * the crossnet plugin reading the host's {@code subnet.env}.
 */
final class PodmanHost implements AutoCloseable {
    static final Duration CMD = Duration.ofSeconds(120);
    static final String NETWORK = "crossnet";

    private final String netns;
    private final Path dir;

    private PodmanHost(String netns, Path dir) {
        this.netns = netns;
        this.dir = dir;
    }

    /**
     * Writes the configuration and imports busybox from {@link BusyboxImage}'s cached tarball.
     *
     * @param pluginDir  the directory holding the {@code crossnet} plugin
     * @param subnetFile the host agent's subnet.env
     */
    static PodmanHost start(String netns, Path dir, Path pluginDir, Path subnetFile) throws IOException {
        Files.createDirectories(dir.resolve("cni"));
        Files.createDirectories(dir.resolve("tmp"));
        // Podman sets RLIMIT_NOFILE and RLIMIT_NPROC to their maximum by default; without
        // CAP_SYS_RESOURCE (as in this project's sandbox) runc may not raise them. Lower values always work.
        Files.writeString(dir.resolve("containers.conf"), String.join("\n",
                "[containers]",
                "default_ulimits = [\"nofile=1024:1024\", \"nproc=4096:4096\"]",
                "[engine]",
                "cgroup_manager = \"cgroupfs\"",
                "events_logger = \"file\"",
                "events_logfile_path = \"" + dir.resolve("events.log") + "\"",
                "runtime = \"runc\"",
                "tmp_dir = \"" + dir.resolve("tmp") + "\"",
                "lock_type = \"file\"",
                "[network]",
                "network_backend = \"cni\"",
                "cni_plugin_dirs = [\"" + pluginDir + "\", \"" + CniHarness.DEBIAN_CNI_PATH + "\"]",
                "network_config_dir = \"" + dir.resolve("cni") + "\"", ""));
        Files.writeString(dir.resolve("storage.conf"), String.join("\n",
                "[storage]",
                "driver = \"vfs\"",
                "runroot = \"" + dir.resolve("run") + "\"",
                "graphroot = \"" + dir.resolve("storage") + "\"", ""));
        Files.writeString(dir.resolve("cni").resolve(NETWORK + ".conflist"), "{\"cniVersion\": \"1.0.0\", \"name\": \"" + NETWORK
                + "\", \"plugins\": [{\"type\": \"crossnet\", \"subnetFile\": \"" + subnetFile + "\", \"dataDir\": \""
                + dataDir(dir) + "\", \"ipam\": {\"dataDir\": \"" + ipamDir(dir) + "\"}}]}\n");
        PodmanHost p = new PodmanHost(netns, dir);
        p.podman("import", "-c", "CMD [\"/bin/sh\"]", BusyboxImage.tarball(BusyboxImage.DEFAULT_CACHE).toString(),
                BusyboxImage.NAME).orThrow();
        return p;
    }

    /** crossnet's per-container records for this host. */
    Path dataDir() {
        return dataDir(dir);
    }

    /** host-local's address records for this host. */
    Path ipamDir() {
        return ipamDir(dir);
    }

    private static Path dataDir(Path dir) {
        return dir.resolve("cni-data");
    }

    private static Path ipamDir(Path dir) {
        return dir.resolve("ipam");
    }

    /** Runs {@code podman args...} for this host, blocking at most {@link #CMD}. */
    Exec.Result podman(String... args) {
        List<String> argv = new ArrayList<>(List.of("env", "CONTAINERS_CONF=" + dir.resolve("containers.conf"),
                "CONTAINERS_STORAGE_CONF=" + dir.resolve("storage.conf"), "nsenter", "--net=/var/run/netns/" + netns, "podman"));
        argv.addAll(List.of(args));
        return Exec.run(CMD, argv.toArray(String[]::new));
    }

    /** {@code podman run -d --network crossnet --name NAME busybox sleep 3600}; returns the container's address. */
    String run(String name) {
        podman("run", "-d", "--network", NETWORK, "--name", name, BusyboxImage.NAME, "sleep", "3600").orThrow();
        return podman("inspect", "-f", "{{(index .NetworkSettings.Networks \"" + NETWORK + "\").IPAddress}}", name).orThrow()
                .stdout().strip();
    }

    /** One ping from container {@code name} to {@code ip}. */
    boolean ping(String name, String ip) {
        return podman("exec", name, "ping", "-c", "1", "-W", "1", ip).ok();
    }

    /** What a failed test wants to see: containers and the tail of the events log. Never throws. */
    String diagnostics() {
        StringBuilder b = new StringBuilder("=== podman on " + netns + "\n");
        try {
            b.append(podman("ps", "-a").stdout());
            Path events = dir.resolve("events.log");
            if (Files.exists(events)) {
                List<String> lines = Files.readAllLines(events);
                b.append(String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()))).append('\n');
            }
        } catch (IOException | RuntimeException e) {
            b.append("(").append(e).append(")\n");
        }
        return b.toString();
    }

    /** Removes every container (podman runs the plugin's DEL for each). Idempotent; never throws. */
    @Override
    public void close() {
        try {
            podman("rm", "-a", "-f", "-t", "0");
        } catch (RuntimeException e) {
            System.out.println("podman rm on " + netns + ": " + e);
        }
    }
}

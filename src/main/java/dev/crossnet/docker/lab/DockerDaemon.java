package dev.crossnet.docker.lab;

import dev.crossnet.CrossnetException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One dockerd for one simulated host: it lives in the host's network namespace and has its own
 * data root, exec root, API socket, containerd namespace and view of Docker's plugin directory.
 *
 * <p>How it starts (everything under {@code dir}):
 * <pre>
 *   unshare --mount --propagation private -- sh -c \
 *     'mount --bind DIR/plugins /run/docker/plugins &amp;&amp; exec nsenter --net=/var/run/netns/HOST dockerd \
 *        --data-root DIR/data --exec-root DIR/exec -H unix://DIR/docker.sock --pidfile DIR/docker.pid \
 *        --containerd=/run/containerd/containerd.sock --containerd-namespace NS --containerd-plugins-namespace NS-plugins \
 *        --storage-driver=vfs --bridge=none --iptables=false --ip6tables=false ...'
 * </pre>
 * Docker looks for plugin sockets at the fixed path {@code /run/docker/plugins}; the private
 * mount namespace lets each daemon see its own {@code DIR/plugins} there, so a plugin serving
 * host 1 is found by host 1's daemon only. The storage driver is {@code vfs} because overlay2
 * mounts made in that private namespace are invisible to the shared containerd, which then finds
 * an empty rootfs. Network namespaces already keep bridges and iptables rules apart; the default
 * bridge and iptables are off only because lab networks do not need them.
 *
 * <p>Thread-safe. {@link #close} stops the daemon by its pid file (SIGTERM, then SIGKILL after
 * {@link #STOP_TIMEOUT}) and is idempotent; it leaves {@code dir} for the caller to remove.
 */
public final class DockerDaemon implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DockerDaemon.class);
    /** The client matching Debian's dockerd; {@code /usr/local/bin/docker} may be another version. */
    public static final String DOCKER = "/usr/bin/docker";
    public static final Path PLUGIN_DIR = Path.of("/run/docker/plugins");
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

    private final String netns;
    private final Path dir;
    private final String containerdNamespace;
    private final Process process;
    private volatile boolean closed;

    private DockerDaemon(String netns, Path dir, String containerdNamespace, Process process) {
        this.netns = netns;
        this.dir = dir;
        this.containerdNamespace = containerdNamespace;
        this.process = process;
    }

    /**
     * Starts a dockerd in network namespace {@code netns} (which must exist under
     * {@code /var/run/netns}) with its state under {@code dir}, and blocks until its API answers
     * or {@code timeout} passes. Starts the shared containerd first if needed.
     *
     * @param extraArgs more dockerd flags, e.g. {@code --mtu=1450}; {@code --bip}/{@code --bridge} and
     *     {@code --iptables} replace the lab's {@code --bridge=none} and {@code --iptables=false}
     */
    public static DockerDaemon start(String netns, Path dir, Duration timeout, String... extraArgs) {
        if (!Files.isExecutable(Path.of(DOCKER))) {
            throw new CrossnetException(DOCKER + " is missing: install docker.io");
        }
        Path nsFile = Path.of("/var/run/netns", netns);
        if (!Files.exists(nsFile)) {
            throw new CrossnetException("network namespace " + netns + " does not exist (" + nsFile + ")");
        }
        try {
            Files.createDirectories(dir.resolve("plugins"));
            Files.createDirectories(PLUGIN_DIR); // the mount point each daemon's private view covers
        } catch (IOException e) {
            throw new CrossnetException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        Containerd.ensureRunning(Path.of("/var/log/crossnet-containerd.log"), timeout);
        String ctrNs = "crossnet-" + netns;
        List<String> dockerd = new ArrayList<>(List.of("dockerd",
                "--data-root", dir.resolve("data").toString(),
                "--exec-root", dir.resolve("exec").toString(),
                "-H", "unix://" + dir.resolve("docker.sock"),
                "--pidfile", dir.resolve("docker.pid").toString(),
                "--containerd=" + Containerd.SOCKET,
                "--containerd-namespace", ctrNs,
                "--containerd-plugins-namespace", ctrNs + "-plugins",
                "--storage-driver=vfs", "--bridge=none", "--iptables=false", "--ip6tables=false",
                "--shutdown-timeout=2"));
        // An extra --bip/--bridge or --iptables replaces the lab default (seed 001's flannel flow
        // needs docker0 with the leased subnet, and --ip-masq needs iptables).
        for (String a : extraArgs) {
            if (a.startsWith("--bip") || a.startsWith("--bridge")) {
                dockerd.remove("--bridge=none");
            } else if (a.startsWith("--iptables")) {
                dockerd.remove("--iptables=false");
            }
        }
        dockerd.addAll(List.of(extraArgs));
        // sh gets $0 = the plugin dir, $1 = the netns file, then dockerd's argv.
        List<String> argv = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
                "mount --bind \"$0\" " + PLUGIN_DIR + " && ns=\"$1\" && shift && exec nsenter --net=\"$ns\" \"$@\"",
                dir.resolve("plugins").toString(), nsFile.toString()));
        argv.addAll(dockerd);
        Process p;
        try {
            p = new ProcessBuilder(argv).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("dockerd.log").toFile())).start();
            p.getOutputStream().close();
        } catch (IOException e) {
            throw new CrossnetException("cannot start dockerd for " + netns + ": " + e.getMessage(), e);
        }
        DockerDaemon d = new DockerDaemon(netns, dir, ctrNs, p);
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            if (!p.isAlive()) {
                throw new CrossnetException("dockerd for " + netns + " exited " + p.exitValue() + ": " + d.logTail(20));
            }
            if (Files.exists(d.socket()) && answers(d)) {
                log.info("dockerd for {} up on {}", netns, d.socket());
                return d;
            }
            if (Instant.now().isAfter(deadline)) {
                d.close();
                throw new CrossnetException("dockerd for " + netns + " did not answer within " + timeout + ": " + d.logTail(20));
            }
            Containerd.pause();
        }
    }

    /**
     * Whether the daemon answers {@code docker version} within 5 s. A probe that takes longer (a
     * daemon still starting on a busy machine) is "not yet", not a failure: only {@code start}'s
     * own limit ends the wait.
     */
    private static boolean answers(DockerDaemon d) {
        try {
            return d.docker(Duration.ofSeconds(5), "version", "--format", "{{.Server.Version}}").ok();
        } catch (CrossnetException slow) {
            return false;
        }
    }

    public String netns() {
        return netns;
    }

    /** The daemon's API socket: {@code docker -H unix://<this>}. */
    public Path socket() {
        return dir.resolve("docker.sock");
    }

    /** What this daemon sees as {@code /run/docker/plugins}: put a plugin's socket here. */
    public Path pluginDir() {
        return dir.resolve("plugins");
    }

    public Path logFile() {
        return dir.resolve("dockerd.log");
    }

    /** Runs {@code /usr/bin/docker -H unix://SOCKET args...}, blocking at most {@code timeout}. */
    public Exec.Result docker(Duration timeout, String... args) {
        List<String> argv = new ArrayList<>(List.of(DOCKER, "-H", "unix://" + socket()));
        argv.addAll(List.of(args));
        return Exec.run(timeout, argv.toArray(String[]::new));
    }

    /** The last {@code lines} lines of the daemon's log, for error messages and test dumps. */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(logFile());
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Optional<ProcessHandle> daemon = pidFromFile().flatMap(ProcessHandle::of);
        ProcessHandle target = daemon.orElse(process.toHandle());
        target.destroy();
        try {
            target.onExit().get(STOP_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            log.warn("dockerd for {} ignored SIGTERM for {}; killing it", netns, STOP_TIMEOUT);
            target.destroyForcibly();
        }
        process.destroyForcibly();
        // The containerd namespaces are empty once the daemon has removed its containers.
        for (String ns : new String[] {containerdNamespace, containerdNamespace + "-plugins"}) {
            Exec.Result r = Exec.run(Duration.ofSeconds(10), "ctr", "--address", Containerd.SOCKET, "namespaces", "remove", ns);
            if (!r.ok() && !r.stderr().contains("not found")) {
                log.debug("ctr namespaces remove {}: {}", ns, r.stderr().strip());
            }
        }
    }

    private Optional<Long> pidFromFile() {
        try {
            return Optional.of(Long.parseLong(Files.readString(dir.resolve("docker.pid")).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }
}

package dev.crossnet.cluster;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The long-running parts of a cluster host, and the one seam through which {@code init}, {@code
 * join} and {@code leave} start and stop them. Two mechanisms: plain detached processes ({@link
 * ProcessServices}: the lab, and hosts without systemd) and systemd units (a packaged install).
 * Every service reads what it needs from the host's config directory: etcd from {@code etcd.env}
 * (its {@code ETCD_*} flags, usable as a systemd {@code EnvironmentFile}), the agent from {@code
 * agent.env}, the join endpoint from {@code cluster.json} and the CA files. Methods block until the
 * process has been started or has exited, not until it is ready; callers wait for readiness.
 */
public interface Services {

    /** The services of a host; {@link #unit()} is the systemd unit a packaged install provides. */
    enum Service {
        ETCD("crossnet-etcd.service"),
        JOIN_ENDPOINT("crossnet-join.service"),
        AGENT("crossnet-agent.service"),
        /** The Docker authorization plugin (crossnet-authz); started by hand or by docker-setup's advice, never by init. */
        AUTHZ("crossnet-authz.service");

        private final String unit;

        Service(String unit) {
            this.unit = unit;
        }

        public String unit() {
            return unit;
        }
    }

    /** Starts {@code s} (and, where that means something, enables it at boot). Idempotent: a no-op if it runs. */
    void start(Service s);

    /** Stops {@code s} and disables it at boot. Idempotent. */
    void stop(Service s);

    boolean running(Service s);

    /** Where to look when {@code s} fails: a log file or a journalctl command. */
    String logHint(Service s);

    /** How {@code s}'s process ended, if this object started it and it has ended (e.g. "exit status 1", "signal 9"). */
    default java.util.Optional<String> exitStatus(Service s) {
        return java.util.Optional.empty();
    }

    /**
     * The mechanism for config directory {@code dir}: the Debian package's systemd units when systemd
     * runs, the units are installed and {@code dir} is the one they read ({@link #SYSTEM_CONFIG_DIR});
     * plain processes otherwise (the lab, other config directories, hosts without systemd).
     */
    static Services forHost(Path dir) {
        boolean unitsInstalled = Files.exists(Path.of("/lib/systemd/system", Service.AGENT.unit()));
        if (SystemdServices.running() && unitsInstalled && dir.toAbsolutePath().normalize().equals(SYSTEM_CONFIG_DIR)) {
            return new SystemdServices();
        }
        return new ProcessServices(dir);
    }

    /** The config directory the packaged units read. */
    Path SYSTEM_CONFIG_DIR = Path.of("/etc/crossnet");

    /** Whether systemd runs this machine (its runtime directory exists). */
    static boolean systemdRunning() {
        return Files.isDirectory(Path.of("/run/systemd/system"));
    }
}

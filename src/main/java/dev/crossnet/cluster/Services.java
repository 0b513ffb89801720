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
        AGENT("crossnet-agent.service");

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

    /**
     * The mechanism for config directory {@code dir}. Plain processes for now: systemd units come
     * with the Debian package, which also provides their implementation of this interface.
     */
    static Services forHost(Path dir) {
        return new ProcessServices(dir);
    }

    /** Whether systemd runs this machine (its runtime directory exists). */
    static boolean systemdRunning() {
        return Files.isDirectory(Path.of("/run/systemd/system"));
    }
}

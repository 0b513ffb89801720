package dev.crossnet.cli;

import dev.crossnet.CrossnetException;
import dev.crossnet.cluster.Services;
import dev.crossnet.host.DockerDaemonConfig;
import java.io.File;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * What {@code init} and {@code join} do about dockerd once the cluster part is done: run {@code
 * docker-setup} on this machine's daemon.json, but only when dockerd is installed and the host uses
 * the system config directory ({@link Services#SYSTEM_CONFIG_DIR}), so the lab and tests, which use
 * other directories, never touch the machine's own dockerd. Whether dockerd is installed and where
 * daemon.json lives are given to the constructor, so tests use a temp file.
 */
final class DockerSetupStep {
    /** Where dockerd is looked for besides $PATH (init may run with a short PATH, e.g. from sudo). */
    private static final List<String> SBIN_DIRS = List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin");

    private final BooleanSupplier dockerdPresent;
    private final Path daemonJson;
    private final List<Path> resolvConfs;
    private final Clock clock;

    DockerSetupStep(BooleanSupplier dockerdPresent, Path daemonJson, List<Path> resolvConfs, Clock clock) {
        this.dockerdPresent = dockerdPresent;
        this.daemonJson = daemonJson;
        this.resolvConfs = resolvConfs;
        this.clock = clock;
    }

    /** This machine: dockerd on $PATH or in the usual directories, /etc/docker/daemon.json. */
    static DockerSetupStep forThisMachine() {
        return new DockerSetupStep(() -> dockerdOnPath(System.getenv("PATH")), DockerDaemonConfig.DEFAULT_PATH,
                DockerDaemonConfig.DEFAULT_RESOLV_CONFS, Clock.systemUTC());
    }

    /**
     * Sets up daemon.json for {@code advertiseAddr} and prints what changed and whether dockerd must be
     * restarted or reloaded; prints why when it does not run. Idempotent.
     *
     * @param skip {@code --no-docker-setup}
     * @throws CrossnetException when daemon.json cannot be set up (left as it was): the message names
     *                           the file, says the cluster part is done, and how to finish by hand
     */
    void run(Path configDir, String advertiseAddr, boolean skip, PrintStream out) {
        if (skip) {
            return;
        }
        String byHand = "crossnet docker-setup --advertise-addr " + advertiseAddr;
        if (!configDir.toAbsolutePath().normalize().equals(Services.SYSTEM_CONFIG_DIR)) {
            out.println("docker-setup not run (the config directory " + configDir + " is not " + Services.SYSTEM_CONFIG_DIR
                    + "); to set up this host's dockerd run: " + byHand);
            return;
        }
        if (!dockerdPresent.getAsBoolean()) {
            out.println("docker-setup not run: dockerd is not installed; after installing Docker run: " + byHand);
            return;
        }
        DockerDaemonConfig.Outcome o;
        try {
            o = new DockerDaemonConfig(daemonJson, clock).apply(advertiseAddr, DockerDaemonConfig.upstreamResolvers(resolvConfs));
        } catch (CrossnetException e) {
            throw new CrossnetException("docker-setup: " + e.getMessage() + ". This host's cluster part is done; fix "
                    + daemonJson + ", then run: " + byHand, e);
        }
        DockerSetupCommand.report(o, advertiseAddr, resolvConfs, out);
    }

    /** Whether an executable {@code dockerd} is in one of {@code path}'s directories or the usual ones. */
    static boolean dockerdOnPath(String path) {
        List<String> dirs = new ArrayList<>();
        if (path != null) {
            dirs.addAll(List.of(path.split(File.pathSeparator)));
        }
        dirs.addAll(SBIN_DIRS);
        for (String d : dirs) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, "dockerd")) && !Files.isDirectory(Path.of(d, "dockerd"))) {
                return true;
            }
        }
        return false;
    }
}

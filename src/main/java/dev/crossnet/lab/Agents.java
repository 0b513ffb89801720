package dev.crossnet.lab;

import dev.crossnet.agent.SubnetEnv;
import dev.crossnet.CrossnetException;
import dev.crossnet.SelfCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One crossnet agent per lab host: its files, how it is started inside the host namespace, and how
 * the lab learns that it is ready. Blocking; thread-safe.
 *
 * <p>Per host, under {@code <labdir>/<host>/}: {@code agent.log}, {@code subnet.env},
 * {@code docker.env} and {@code state/}.
 */
final class Agents {
    /** Every agent listens on loopback of its own namespace, so they can all share one port. */
    static final int HEALTHZ_PORT = 10271;

    private Agents() {
    }

    static Path hostDir(Path labDir, String host) {
        return labDir.resolve(host);
    }

    static Path subnetFile(Path labDir, String host) {
        return hostDir(labDir, host).resolve("subnet.env");
    }

    static Path log(Path labDir, String host) {
        return hostDir(labDir, host).resolve("agent.log");
    }

    /** JVM flags for agents of kernel backends: {@link SelfCommand#AGENT_JVM_OPTS}, as {@code bin/crossnet agent} runs them. */
    static final String KERNEL_BACKEND_JVM = SelfCommand.AGENT_JVM_OPTS;
    /** The udp backend's agent moves every packet itself and needs C2. */
    static final String UDP_BACKEND_JVM = "-Xmx256m -XX:+UseSerialGC -Xss512k -XX:-UsePerfData";

    /**
     * Starts the agent of {@code host} detached in namespace {@code ns}, with the store, prefix,
     * backend and extra flags of {@code lab}; returns its process.
     */
    static Process start(Path labDir, String host, String ns, LabState lab) {
        Path dir = hostDir(labDir, host);
        try {
            Files.createDirectories(dir.resolve("state"));
        } catch (IOException e) {
            throw new CrossnetException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        // A host with a dockerd runs the same flags: bin/crossnet (and so the .deb's unit) gives every agent them.
        String jvm = "udp".equals(lab.backend()) ? UDP_BACKEND_JVM : KERNEL_BACKEND_JVM;
        List<String> cmd = new ArrayList<>(SelfCommand.argv(jvm));
        cmd.add("agent");
        cmd.addAll(LabCluster.isCluster(lab) ? List.of("--config-dir", LabCluster.configDir(labDir, host).toString())
                : List.of("--store", lab.store(), "--prefix", lab.prefix()));
        cmd.addAll(List.of(
                "--iface", LabNames.HOST_IFACE,
                "--subnet-file", subnetFile(labDir, host).toString(),
                "--docker-opts-file", dir.resolve("docker.env").toString(),
                "--state-dir", dir.resolve("state").toString(),
                "--healthz-port", Integer.toString(HEALTHZ_PORT),
                // Each host under its lab name: the agents' records in the store are keyed by it (the machine's
                // hostname, the default, is the same in every namespace).
                "--host-name", host));
        cmd.addAll(LabDashboard.agentArgs(lab.agentArgs()));
        cmd.addAll(lab.agentArgs());
        if (LabDocker.enabled(labDir, host)) {
            cmd.addAll(LabDocker.agentArgs(labDir, host));
        }
        return Processes.startDetached(ns, cmd, log(labDir, host));
    }

    /**
     * Waits until {@code file} exists and parses it.
     *
     * @throws CrossnetException if the agent exits first or {@code timeout} passes, with the log's tail
     */
    static SubnetEnv awaitSubnetEnv(String host, Process agent, Path file, Path log, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pid = agent.pid();
        while (!Files.isRegularFile(file)) {
            // Process.isAlive, not a look at /proc: while setsid and nsenter exec into java the
            // command line is briefly unreadable.
            if (!agent.isAlive()) {
                throw new CrossnetException(host + ": the agent (pid " + pid + ") exited before writing " + file
                        + "; last lines of " + log + ":\n    " + Processes.tail(log, 15));
            }
            if (System.nanoTime() > deadline) {
                throw new CrossnetException(host + ": the agent (pid " + pid + ") wrote no " + file + " within "
                        + timeout.toSeconds() + "s; last lines of " + log + ":\n    " + Processes.tail(log, 15));
            }
            Processes.pause(25);
        }
        return SubnetEnv.read(file);
    }

    /**
     * Waits until the agent in {@code ns} answers {@code /readyz} with 200.
     *
     * @throws CrossnetException if it exits first or {@code timeout} passes, with the log's tail
     */
    static void awaitReady(String host, Process agent, String ns, Path log, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ready(ns)) {
            if (!agent.isAlive() || System.nanoTime() > deadline) {
                throw new CrossnetException(host + ": the agent (pid " + agent.pid() + ") "
                        + (agent.isAlive() ? "was not ready within " + timeout.toSeconds() + "s" : "exited")
                        + "; last lines of " + log + ":\n    " + Processes.tail(log, 15));
            }
            Processes.pause(50);
        }
    }

    /**
     * Asks the agent in {@code ns} for {@code GET /readyz}. The agent listens on that namespace's
     * loopback, out of this process's reach, hence {@link Plumbing#httpStatus}.
     *
     * @return true on HTTP 200; false on any other answer or none within two seconds
     */
    static boolean ready(String ns) {
        return Plumbing.httpStatus(ns, "127.0.0.1", HEALTHZ_PORT, "/readyz") == 200;
    }
}

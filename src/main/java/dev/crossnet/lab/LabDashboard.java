package dev.crossnet.lab;

import dev.crossnet.CrossnetException;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.IntPredicate;

/**
 * The lab's dashboard, reachable from a browser on the machine. Every lab agent serves its
 * dashboard on its own namespace's loopback ({@value #AGENT_PORT}), out of the root namespace's
 * reach, and the lab creates nothing in the root namespace's network. So {@code lab up} starts one
 * forwarder in the root namespace: {@code socat} listening on 127.0.0.1 (a free port from {@value
 * #FIRST_PORT}), which for each connection runs {@code nsenter --net=<h1> socat} to h1's agent.
 * One process while idle, two per open page; the browser sees h1's agent, whose document covers
 * every host. Its command line carries the lab directory, so {@code lab down} stops it with the
 * agents. Blocking; thread-safe.
 */
final class LabDashboard {
    /** Each agent's dashboard port on its namespace's loopback (one port for all, as the health port). */
    static final int AGENT_PORT = 10272;
    static final int FIRST_PORT = 10280;
    private static final int PORTS = 100;
    private static final String FLAG = "--dashboard-listen";
    private static final String URL_FILE = "dashboard.url";

    private LabDashboard() {
    }

    /** The agent flag, unless the lab's own agent flags already choose an address. */
    static List<String> agentArgs(List<String> labAgentArgs) {
        boolean own = labAgentArgs.stream().anyMatch(a -> a.equals(FLAG) || a.startsWith(FLAG + "="));
        return own ? List.of() : List.of(FLAG, "127.0.0.1:" + AGENT_PORT);
    }

    /** The URL {@link #forward} wrote for the lab in {@code labDir}, if any. */
    static Optional<String> url(Path labDir) {
        try {
            return Optional.of(Files.readString(labDir.resolve(URL_FILE), StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Starts the forwarder to the agent in namespace {@code hostNs} and waits until it listens.
     *
     * @return the URL for a browser on this machine, also written to {@code <labDir>/dashboard.url}
     * @throws CrossnetException if socat is missing or no port from {@value #FIRST_PORT} is free
     */
    static String forward(Path labDir, String hostNs, Duration timeout) {
        return forward(labDir, hostNs, timeout, FIRST_PORT, LabDashboard::free);
    }

    /**
     * {@link #forward(Path, String, Duration)} over the ports from {@code firstPort}, skipping those
     * {@code free} rejects. A port can be taken between that look and socat's bind (another lab
     * coming up at the same moment tries the same port): socat then exits, and the port is not
     * ours even though something accepts on it. So the URL is only handed out once the socket
     * listening on the port is socat's own.
     */
    static String forward(Path labDir, String hostNs, Duration timeout, int firstPort, IntPredicate free) {
        Path log = labDir.resolve("dashboard-forward.log");
        for (int port = firstPort; port < firstPort + PORTS; port++) {
            if (!free.test(port)) {
                continue;
            }
            Process p = start(port, hostNs, log);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (p.isAlive() && !ListeningSockets.ownedBy(p.toHandle(), port)) {
                if (System.nanoTime() > deadline) {
                    p.destroy();
                    throw new CrossnetException("dashboard: socat did not listen on 127.0.0.1:" + port + " within "
                            + timeout.toSeconds() + "s; see " + log);
                }
                Processes.pause(20);
            }
            if (p.isAlive()) {
                String url = "http://127.0.0.1:" + port + "/";
                try {
                    Files.writeString(labDir.resolve(URL_FILE), url + "\n", StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new CrossnetException("cannot write " + labDir.resolve(URL_FILE) + ": " + e.getMessage(), e);
                }
                return url;
            }
            // Taken between our look and socat's bind: try the next one.
        }
        throw new CrossnetException("dashboard: no free port on 127.0.0.1 from " + firstPort + " to " + (firstPort + PORTS - 1));
    }

    private static Process start(int port, String hostNs, Path log) {
        // socat parses ':' and ',' in the EXEC address itself, hence the escapes.
        List<String> argv = List.of("setsid", "socat", "-lf", log.toString(),
                "TCP-LISTEN:" + port + ",bind=127.0.0.1,reuseaddr,fork",
                "EXEC:nsenter --net=" + Plumbing.netnsPath(hostNs) + " socat STDIO TCP\\:127.0.0.1\\:" + AGENT_PORT);
        try {
            return new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new CrossnetException("dashboard: cannot start socat (scripts/install-deps installs it): " + e.getMessage(), e);
        }
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}

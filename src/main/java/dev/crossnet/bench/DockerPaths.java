package dev.crossnet.bench;

import dev.crossnet.CrossnetException;
import dev.crossnet.docker.lab.Exec;
import dev.crossnet.lab.Lab;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Container-to-container paths over crossnet Docker networks between hosts {@code h1} and {@code
 * h2} of a lab brought up with {@code --docker}: one network (plain, or {@code --opt encrypted})
 * with a busybox container on each host. busybox has no iperf3, so the host's iperf3 runs in the
 * container's network namespace ({@code nsenter --net=/proc/PID/ns/net}). The containers go with
 * the lab. Blocking; for benchmarks only.
 */
final class DockerPaths {
    static final Duration CMD = Duration.ofSeconds(60);
    static final Duration PATIENCE = Duration.ofSeconds(60);

    /** The server (on h2) and client (on h1) ends, and the server container's address. */
    record Path(Iperf.Place server, Iperf.Place client, String serverIp) {
    }

    private DockerPaths() {
    }

    /**
     * Creates Docker network {@code name} on {@code subnet} from h1, waits until h2 has it, runs a
     * container {@code name-1} on h1 and {@code name-2} on h2, and waits until the first pings the second.
     */
    static Path network(Lab lab, String name, String subnet, boolean encrypted) {
        List<String> create = new ArrayList<>(List.of("network", "create", "-d", "crossnet", "--ipam-driver", "crossnet",
                "--subnet", subnet));
        if (encrypted) {
            create.addAll(List.of("--opt", "encrypted"));
        }
        create.add(name);
        docker(lab, "h1", create.toArray(String[]::new));
        await(() -> lab.docker("h2", CMD, "network", "inspect", name).ok(), "network " + name + " on h2");
        String[] pids = new String[2];
        String serverIp = null;
        for (int i = 1; i <= 2; i++) {
            String host = "h" + i;
            String c = name + "-" + i;
            docker(lab, host, "run", "-d", "--name", c, "--network", name, "busybox", "sleep", "86400");
            pids[i - 1] = docker(lab, host, "inspect", "-f", "{{.State.Pid}}", c);
            if (i == 2) {
                serverIp = docker(lab, host, "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", c);
            }
        }
        Iperf.Place client = Iperf.inNetns("/proc/" + pids[0] + "/ns/net");
        Iperf.Place server = Iperf.inNetns("/proc/" + pids[1] + "/ns/net");
        String ip = serverIp;
        await(() -> exitsZero(client.spawn("ping", "-c", "1", "-W", "1", ip)), name + "-1 pings " + name + "-2 (" + ip + ")");
        return new Path(server, client, ip);
    }

    private static String docker(Lab lab, String host, String... args) {
        Exec.Result r = lab.docker(host, CMD, args);
        if (!r.ok()) {
            throw new CrossnetException(host + ": docker " + String.join(" ", args) + ": " + r.stderr().strip());
        }
        return r.stdout().strip();
    }

    private static boolean exitsZero(Process p) {
        try {
            p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            return p.waitFor() == 0;
        } catch (java.io.IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CrossnetException("interrupted");
        }
    }

    private static void await(java.util.function.BooleanSupplier done, String what) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new CrossnetException("waited " + PATIENCE.toSeconds() + " s for " + what);
            }
            try {
                Thread.sleep(200); // polling other processes' state: nothing to wait on
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CrossnetException("interrupted");
            }
        }
    }
}

package dev.crossnet.cli;

import dev.crossnet.CrossnetException;
import dev.crossnet.bench.DataPlaneBench;
import dev.crossnet.bench.JoinBench;
import dev.crossnet.bench.RestartBench;
import dev.crossnet.bench.TunnelBench;
import dev.crossnet.lab.Lab;
import dev.crossnet.lab.LabNames;
import dev.crossnet.lab.LabOptions;
import dev.crossnet.model.BackendConfig;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code crossnet lab bench}: issue 3's data-plane benchmark (iperf3 over each path of a 2-host
 * lab, as ratios to the underlay), join convergence and traffic across an agent restart. Thin:
 * the work is in {@link DataPlaneBench}, {@link JoinBench} and {@link RestartBench}. Prints
 * numbers, never passes or fails on them.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure the data plane (iperf3, ping), join convergence and traffic across an agent restart on throw-away labs (needs root, iperf3).")
final class LabBenchCommand implements Callable<Integer> {
    @Option(names = "--name", paramLabel = "LAB", defaultValue = "cnbench",
            description = "Name of the throw-away labs (default: ${DEFAULT-VALUE}); must not exist.")
    String name;

    @Option(names = "--paths", split = ",", paramLabel = "PATH", defaultValue = "underlay,vxlan,kernel-vxlan,host-gw,udp",
            description = "Paths to measure, of underlay, vxlan, kernel-vxlan, host-gw, udp, udp-encrypted (default: ${DEFAULT-VALUE}); empty for none.")
    List<String> paths;

    @Option(names = "--runs", defaultValue = "3", description = "iperf3 runs per path (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--seconds", defaultValue = "5", description = "iperf3 -t per run, 1-60 (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--tunnels",
            description = "Compare encrypted tunnels on one 2-host lab (and a plain-udp twin), interleaved: underlay, udp,"
                    + " udp-encrypted, Docker networks (plain, encrypted, encrypted without offloads), Debian's wireguard-go and nebula;"
                    + " Gbit/s and datapath CPU-s per GB (needs docker, wireguard-go, wg, nebula).")
    boolean tunnels;

    @Option(names = "--join", split = ",", paramLabel = "N", description = "Join convergence on labs of N hosts, e.g. 10,50.")
    List<Integer> join = List.of();

    @Option(names = "--join-backend", defaultValue = "vxlan", paramLabel = "TYPE",
            description = "Backend of the join labs: vxlan or host-gw (default: ${DEFAULT-VALUE}).")
    String joinBackend;

    @Option(names = "--restart", split = ",", paramLabel = "TYPE",
            description = "Traffic across an agent restart (ping every 10 ms) on a 2-host lab per backend, of vxlan, host-gw, udp.")
    List<String> restart = List.of();

    @Override
    public Integer call() {
        LabNames.checkLabName(name);
        if (runs < 1 || runs > 20) {
            throw new CrossnetException("--runs: " + runs + " is out of range 1-20");
        }
        if (seconds < 1 || seconds > 60) {
            throw new CrossnetException("--seconds: " + seconds + " is out of range 1-60");
        }
        List<String> ps = paths.stream().map(String::trim).filter(p -> !p.isEmpty()).toList();
        for (String p : ps) {
            if (!DataPlaneBench.PATHS.contains(p)) {
                throw new CrossnetException("--paths: \"" + p + "\" is not one of " + String.join(", ", DataPlaneBench.PATHS));
            }
        }
        for (int n : join) {
            if (n < 1 || n >= LabNames.MAX_HOSTS) {
                throw new CrossnetException("--join: " + n + " is out of range 1-" + (LabNames.MAX_HOSTS - 1));
            }
        }
        BackendConfig.Type jb = switch (joinBackend) {
            case "vxlan" -> BackendConfig.Type.VXLAN;
            case "host-gw" -> BackendConfig.Type.HOST_GW;
            default -> throw new CrossnetException("--join-backend: \"" + joinBackend + "\" is not vxlan or host-gw");
        };
        List<BackendConfig.Type> rb = restart.stream().map(String::trim).filter(t -> !t.isEmpty()).map(t -> switch (t) {
            case "vxlan" -> BackendConfig.Type.VXLAN;
            case "host-gw" -> BackendConfig.Type.HOST_GW;
            case "udp" -> BackendConfig.Type.UDP;
            default -> throw new CrossnetException("--restart: \"" + t + "\" is not vxlan, host-gw or udp");
        }).toList();
        long t0 = System.nanoTime();
        java.util.function.Consumer<String> progress = line -> System.err.printf("[%6.1fs] %s%n", (System.nanoTime() - t0) / 1e9, line);
        // Built before anything runs: it checks --name (its twin lab's name must be valid too).
        TunnelBench tunnelBench = tunnels ? new TunnelBench(name, runs, seconds, System.out, progress) : null;
        // Ctrl-C: remove the lab in use, as lab up does.
        AtomicBoolean done = new AtomicBoolean();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (!done.get()) {
                Lab.down(name, LabOptions.DEFAULT_STATE_ROOT);
                if (tunnels) {
                    Lab.down(name + "p", LabOptions.DEFAULT_STATE_ROOT); // TunnelBench's plain-udp twin
                }
            }
        }));
        try {
            System.out.printf("crossnet lab bench, %s, load average before: %s, %d CPUs%n",
                    LocalDateTime.now().truncatedTo(ChronoUnit.SECONDS), DataPlaneBench.loadAverage(),
                    Runtime.getRuntime().availableProcessors());
            if (!ps.isEmpty()) {
                System.out.printf("%nsingle-stream TCP, iperf3 -t %d, %d runs per path, 2 hosts x 1 container%n", seconds, runs);
                new DataPlaneBench(name, runs, seconds, System.out, progress).run(ps);
            }
            if (tunnels) {
                System.out.printf("%nencrypted tunnels, single-stream TCP, iperf3 -t %d, %d interleaved rounds, host to host"
                        + " (crossnet: container to container)%n", seconds, runs);
                tunnelBench.run();
            }
            if (!join.isEmpty()) {
                System.out.printf("%njoin convergence, %s backend, one host joins a running lab of N%n", jb.wire());
                new JoinBench(name, jb, System.out, progress).run(join);
            }
            if (!rb.isEmpty()) {
                System.out.printf("%nagent restart under traffic, h1-c1 pings h2-c1 every 10 ms while h2's agent restarts%n");
                new RestartBench(name, System.out, progress).run(rb);
            }
            System.out.printf("%nload average after: %s; took %.0f s%n", DataPlaneBench.loadAverage(), (System.nanoTime() - t0) / 1e9);
        } finally {
            done.set(true);
        }
        return 0;
    }
}

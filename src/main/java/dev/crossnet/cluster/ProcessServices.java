package dev.crossnet.cluster;

import dev.crossnet.CrossnetException;
import dev.crossnet.SelfCommand;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * {@link Services} as plain processes: each started detached ({@code setsid}, stdin from
 * {@code /dev/null}, output appended to {@code <config>/run/<service>.log}) in the caller's network
 * namespace, its pid in {@code <config>/run/<service>.pid}. A pid counts as the service only while
 * its command line names this host's config (or etcd data) directory, so a recycled pid is never
 * stopped by mistake. etcd gets its flags on the command line (file names and URLs only, no
 * secrets), made from the same {@code etcd.env} a systemd unit would read. Thread-safe enough for
 * one CLI command at a time per host.
 */
public final class ProcessServices implements Services {
    /** How long {@link #start} waits for the new process to become the service's program. */
    private static final Duration EXEC_LIMIT = Duration.ofSeconds(60);

    private final ClusterConfig.Layout files;
    private final Function<Service, List<String>> commands;
    private final Map<Service, Process> started = new java.util.EnumMap<>(Service.class);

    public ProcessServices(Path configDir) {
        this.files = new ClusterConfig.Layout(configDir);
        this.commands = this::command;
    }

    /** For tests: {@code commands} gives each service's command line (it must name the config directory). */
    ProcessServices(Path configDir, Function<Service, List<String>> commands) {
        this.files = new ClusterConfig.Layout(configDir);
        this.commands = commands;
    }

    @Override
    public void start(Service s) {
        if (running(s)) {
            return;
        }
        List<String> argv = new ArrayList<>(List.of("setsid"));
        argv.addAll(commands.apply(s));
        Path log = log(s);
        try {
            Files.createDirectories(files.run());
            Process p = new ProcessBuilder(argv)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            Files.writeString(pidFile(s), Long.toString(p.pid()));
            started.put(s, p);
            awaitExec(p, marker(s));
        } catch (IOException e) {
            throw new CrossnetException("cannot start " + s.name().toLowerCase() + " (" + argv.get(1) + "): " + e.getMessage(), e);
        }
    }

    /**
     * Waits until {@code p} runs the service's program, or has exited. The JDK starts a child
     * through a helper ({@code jspawnhelper}) that execs the command afterwards; until then the
     * child's command line does not name the config directory and {@link #running} would say
     * "not running" about a service that is starting (on a loaded machine, long enough for {@code
     * init} to report etcd or the join endpoint as exited).
     */
    private static void awaitExec(Process p, String marker) {
        long deadline = System.nanoTime() + EXEC_LIMIT.toNanos();
        while (p.isAlive() && !cmdline(p.pid()).contains(marker) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5); // an exec has no event to wait on
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CrossnetException("interrupted while starting " + marker);
            }
        }
    }

    private static String cmdline(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void stop(Service s) {
        Optional<ProcessHandle> h = process(s);
        if (h.isPresent()) {
            h.get().destroy();
            try {
                h.get().onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                h.get().destroyForcibly();
                h.get().onExit().join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CrossnetException("interrupted while stopping " + s);
            } catch (java.util.concurrent.ExecutionException e) {
                // it exited either way
            }
        }
        try {
            Files.deleteIfExists(pidFile(s));
        } catch (IOException e) {
            throw new CrossnetException("cannot remove " + pidFile(s) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean running(Service s) {
        return process(s).isPresent();
    }

    @Override
    public Optional<String> exitStatus(Service s) {
        Process p = started.get(s);
        if (p == null || p.isAlive()) {
            return Optional.empty();
        }
        int v = p.exitValue(); // the JDK reports death by signal N as 128 + N
        return Optional.of(v > 128 ? "signal " + (v - 128) : "exit status " + v);
    }

    @Override
    public String logHint(Service s) {
        return log(s).toString();
    }

    /** The pid of {@code s}, if it runs. */
    public Optional<Long> pid(Service s) {
        return process(s).map(ProcessHandle::pid);
    }

    private Optional<ProcessHandle> process(Service s) {
        Path f = pidFile(s);
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        long pid;
        try {
            pid = Long.parseLong(Files.readString(f).strip());
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
        Optional<ProcessHandle> h = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (h.isEmpty()) {
            return Optional.empty();
        }
        return cmdline(pid).contains(marker(s)) ? h : Optional.empty();
    }

    private String marker(Service s) {
        return s == Service.ETCD ? files.etcdData().toString() : files.dir().toString();
    }

    private List<String> command(Service s) {
        switch (s) {
            case ETCD: {
                List<String> argv = new ArrayList<>(List.of("etcd"));
                for (Map.Entry<String, String> e : EtcdMemberEnv.read(files.etcdEnv()).entrySet()) {
                    argv.add(EtcdMemberEnv.flag(e.getKey()) + "=" + e.getValue());
                }
                return argv;
            }
            case JOIN_ENDPOINT: {
                List<String> argv = new ArrayList<>(SelfCommand.argv());
                argv.addAll(List.of("join-endpoint", "--config-dir", files.dir().toString()));
                return argv;
            }
            case AUTHZ: {
                List<String> argv = new ArrayList<>(SelfCommand.argv());
                argv.addAll(List.of("plugin", "serve", "--plugins", "authz", "--socket", "/run/docker/plugins/crossnet-authz.sock",
                        "--config-dir", files.dir().toString()));
                return argv;
            }
            case AGENT:
            default: {
                List<String> argv = new ArrayList<>(SelfCommand.agentArgv());
                argv.addAll(List.of("--config-dir", files.dir().toString()));
                argv.addAll(AgentEnv.read(files.agentEnv()));
                return argv;
            }
        }
    }

    private Path pidFile(Service s) {
        return files.run().resolve(name(s) + ".pid");
    }

    private Path log(Service s) {
        return files.run().resolve(name(s) + ".log");
    }

    private static String name(Service s) {
        return s.name().toLowerCase().replace('_', '-');
    }
}

package dev.crossnet.lab;

import dev.crossnet.CrossnetException;
import dev.crossnet.SelfCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The lab's {@code --store cluster}: {@code crossnet init} on h1 and {@code crossnet join} on the
 * other hosts, run as real commands inside each host's namespace, each host with its config
 * directory {@code <labdir>/<host>/config}. etcd members then listen on the hosts' underlay
 * addresses (2379, 2380) with mutual TLS, and the join endpoint on h1's (2377). The lab starts the
 * agents itself ({@code --no-agent}), with {@code --config-dir}, so that it keeps its own flags
 * (subnet file, health port). The token goes through a 0600 file, never a command line.
 */
final class LabCluster {
    /** What {@link LabState#store()} says for a cluster lab; each host's store is in its config directory. */
    static final String STORE = "cluster";
    static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(4);

    private LabCluster() {
    }

    static boolean isCluster(LabState s) {
        return STORE.equals(s.store());
    }

    static Path configDir(Path labDir, String host) {
        return Agents.hostDir(labDir, host).resolve("config");
    }

    /** Runs {@code crossnet init} in h1's namespace. */
    static void init(Path labDir, LabState.HostState h1, String network, String backend) {
        run(h1, List.of("init", "--config-dir", configDir(labDir, h1.name()).toString(), "--advertise-addr", h1.underlayIp(),
                "--host-name", h1.name(), "--network", network, "--backend", backend, "--no-agent"));
    }

    /** Replaces the network config that init wrote (e.g. with {@code Backend.Encrypt}), with {@code crossnet config set} on h1. */
    static void setConfig(Path labDir, LabState.HostState h1, String configJson) {
        Path f = Agents.hostDir(labDir, h1.name()).resolve("network-config.json");
        try {
            Files.writeString(f, configJson);
        } catch (IOException e) {
            throw new CrossnetException("cannot write " + f + ": " + e.getMessage(), e);
        }
        run(h1, List.of("config", "set", f.toString(), "--config-dir", configDir(labDir, h1.name()).toString()));
    }

    /** Runs {@code crossnet join} in {@code host}'s namespace, with a fresh copy of h1's token. */
    static void join(Path labDir, LabState.HostState h1, LabState.HostState host) {
        String token = run(h1, List.of("join-token", "--quiet", "--config-dir", configDir(labDir, h1.name()).toString())).strip();
        Path tokenFile = Agents.hostDir(labDir, host.name()).resolve("join-token");
        try {
            Files.createDirectories(tokenFile.getParent());
            Files.deleteIfExists(tokenFile);
            Files.createFile(tokenFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tokenFile, token);
            run(host, List.of("join", "--config-dir", configDir(labDir, host.name()).toString(), "--token-file", tokenFile.toString(),
                    "--advertise-addr", host.underlayIp(), "--host-name", host.name(), "--no-agent", h1.underlayIp() + ":2377"));
        } catch (IOException e) {
            throw new CrossnetException("cannot write " + tokenFile + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(tokenFile);
            } catch (IOException e) {
                // the lab directory goes with lab down anyway
            }
        }
    }

    /** Runs crossnet with {@code args} in {@code host}'s namespace; returns stdout. */
    private static String run(LabState.HostState host, List<String> args) {
        List<String> cmd = new ArrayList<>(SelfCommand.argv());
        cmd.addAll(args);
        Cmd.Result r = Cmd.run(Plumbing.inNs(host.netns(), cmd), null, COMMAND_TIMEOUT);
        if (r.exit() != 0) {
            throw new CrossnetException(host.name() + ": crossnet " + args.get(0) + " failed (exit " + r.exit() + "): "
                    + (r.err().isBlank() ? r.out() : r.err()).strip());
        }
        return r.out();
    }

    /** {@code cmd} with the host's config directory in its environment, for {@code lab exec HOST -- crossnet …}. */
    static List<String> withConfigDir(Path labDir, String host, List<String> cmd) {
        List<String> out = new ArrayList<>(List.of("env", "CROSSNET_CONFIG_DIR=" + configDir(labDir, host)));
        out.addAll(cmd);
        return out;
    }
}

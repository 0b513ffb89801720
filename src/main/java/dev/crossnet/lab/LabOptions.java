package dev.crossnet.lab;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crossnet.CrossnetException;
import dev.crossnet.docker.lab.BusyboxImage;
import dev.crossnet.model.BackendConfig;
import dev.crossnet.model.ConfigException;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.model.Subnet;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * What {@link Lab#up} builds. Immutable; start from {@link #defaults()} and change fields with the
 * {@code with…} methods.
 *
 * @param name              lab name, prefix of every namespace ({@link LabNames#LAB_NAME})
 * @param hosts             1…{@value LabNames#MAX_HOSTS}
 * @param containersPerHost container namespaces per host, 0 or more
 * @param backend           the Backend.Type written into the network config
 * @param store             embedded (SQLite file in the lab directory) or a real etcd on the underlay
 * @param network           the Network of the config, e.g. {@code 10.5.0.0/16}
 * @param agents            false builds the underlay and hosts only (no agent, no containers)
 * @param stateRoot         parent of the lab directory ({@code <stateRoot>/<name>})
 * @param agentTimeout      how long one agent may take to write subnet.env
 * @param progress          receives one line per step; called from several threads
 * @param docker            also run a dockerd per host with the crossnet plugins and a busybox image
 * @param ipMasq            agents run with {@code --ip-masq}
 * @param leaseTtl          agents' {@code --subnet-lease-ttl}, or null for the agent's default (24h)
 * @param agentFlags        more flags for every agent, e.g. {@code --docker-reap-after 6s} (tests)
 * @param busyboxCache      where the busybox rootfs tarball for {@code docker} is cached, shared with other labs
 *                          ({@link BusyboxImage#DEFAULT_CACHE}); built there if missing
 * @param encrypt           {@code Backend.Encrypt}: the udp backend seals traffic between hosts; needs the
 *                          cluster CA of {@link StoreKind#CLUSTER} (init/join issue the hosts' seal keys)
 * @param rekeyAfter        {@code Backend.RekeyAfter} in seconds with {@code encrypt}, or 0 for the default (tests of a rekey)
 */
public record LabOptions(String name, int hosts, int containersPerHost, BackendConfig.Type backend, StoreKind store,
                         String network, boolean agents, Path stateRoot, Duration agentTimeout,
                         Consumer<String> progress, boolean docker, boolean ipMasq, Duration leaseTtl, Path busyboxCache,
                         List<String> agentFlags, boolean encrypt, int rekeyAfter) {

    public LabOptions {
        agentFlags = agentFlags == null ? List.of() : List.copyOf(agentFlags);
    }

    public static final Path DEFAULT_STATE_ROOT = Path.of("/run/crossnet/lab");
    public static final String DEFAULT_NETWORK = "10.5.0.0/16";

    /** Shorter leases would expire between two turns of an agent's loop (up to 1 s apart). */
    public static final Duration MIN_LEASE_TTL = Duration.ofSeconds(2);

    public enum StoreKind { EMBEDDED, ETCD, CLUSTER }

    public static LabOptions defaults() {
        return new LabOptions(LabNames.DEFAULT_LAB, 3, 2, BackendConfig.Type.VXLAN, StoreKind.EMBEDDED,
                DEFAULT_NETWORK, true, DEFAULT_STATE_ROOT, Duration.ofSeconds(60), line -> { }, false, false, null,
                BusyboxImage.DEFAULT_CACHE, List.of(), false, 0);
    }

    public LabOptions withName(String v) {
        return new LabOptions(v, hosts, containersPerHost, backend, store, network, agents, stateRoot, agentTimeout, progress, docker, ipMasq, leaseTtl, busyboxCache, agentFlags, encrypt, rekeyAfter);
    }

    public LabOptions withHosts(int v) {
        return new LabOptions(name, v, containersPerHost, backend, store, network, agents, stateRoot, agentTimeout, progress, docker, ipMasq, leaseTtl, busyboxCache, agentFlags, encrypt, rekeyAfter);
    }

    public LabOptions withContainersPerHost(int v) {
        return new LabOptions(name, hosts, v, backend, store, network, agents, stateRoot, agentTimeout, progress, docker, ipMasq, leaseTtl, busyboxCache, agentFlags, encrypt, rekeyAfter);
    }

    public LabOptions withBackend(BackendConfig.Type v) {
        return new LabOptions(name, hosts, containersPerHost, v, store, network, agents, stateRoot, agentTimeout, progress, docker, ipMasq, leaseTtl, busyboxCache, agentFlags, encrypt, rekeyAfter);
    }

    public LabOptions withStore(StoreKind v) {
        return new LabOptions(name, hosts, containersPerHost, backend, v, network, agents, stateRoot, agentTimeout, progress, docker, ipMasq, leaseTtl, busyboxCache, agentFlags, encrypt, rekeyAfter);
    }

    public LabOptions withNetwork(String v) {
        return new LabOptions(name, hosts, containersPerHost, backend, store, v, agents, stateRoot, agentTimeout, progress, docker, ipMasq, leaseTtl, busyboxCache, agentFlags, encrypt, rekeyAfter);
    }

    public LabOptions withAgents(boolean v) {
        return new LabOptions(name, hosts, containersPerHost, backend, store, network, v, stateRoot, agentTimeout, progress, docker, ipMasq, leaseTtl, busyboxCache, agentFlags, encrypt, rekeyAfter);
    }

    public LabOptions withStateRoot(Path v) {
        return new LabOptions(name, hosts, containersPerHost, backend, store, network, agents, v, agentTimeout, progress, docker, ipMasq, leaseTtl, busyboxCache, agentFlags, encrypt, rekeyAfter);
    }

    public LabOptions withAgentTimeout(Duration v) {
        return new LabOptions(name, hosts, containersPerHost, backend, store, network, agents, stateRoot, v, progress, docker, ipMasq, leaseTtl, busyboxCache, agentFlags, encrypt, rekeyAfter);
    }

    public LabOptions withProgress(Consumer<String> v) {
        return new LabOptions(name, hosts, containersPerHost, backend, store, network, agents, stateRoot, agentTimeout, v, docker, ipMasq, leaseTtl, busyboxCache, agentFlags, encrypt, rekeyAfter);
    }

    public LabOptions withDocker(boolean v) {
        return new LabOptions(name, hosts, containersPerHost, backend, store, network, agents, stateRoot, agentTimeout, progress, v, ipMasq, leaseTtl, busyboxCache, agentFlags, encrypt, rekeyAfter);
    }

    public LabOptions withIpMasq(boolean v) {
        return new LabOptions(name, hosts, containersPerHost, backend, store, network, agents, stateRoot, agentTimeout, progress, docker, v, leaseTtl, busyboxCache, agentFlags, encrypt, rekeyAfter);
    }

    public LabOptions withLeaseTtl(Duration v) {
        return new LabOptions(name, hosts, containersPerHost, backend, store, network, agents, stateRoot, agentTimeout, progress, docker, ipMasq, v, busyboxCache, agentFlags, encrypt, rekeyAfter);
    }

    public LabOptions withAgentFlags(String... v) {
        return new LabOptions(name, hosts, containersPerHost, backend, store, network, agents, stateRoot, agentTimeout, progress, docker, ipMasq,
                leaseTtl, busyboxCache, List.of(v), encrypt, rekeyAfter);
    }

    public LabOptions withEncrypt(boolean v) {
        return new LabOptions(name, hosts, containersPerHost, backend, store, network, agents, stateRoot, agentTimeout, progress, docker, ipMasq,
                leaseTtl, busyboxCache, agentFlags, v, rekeyAfter);
    }

    public LabOptions withRekeyAfter(int seconds) {
        return new LabOptions(name, hosts, containersPerHost, backend, store, network, agents, stateRoot, agentTimeout, progress, docker, ipMasq,
                leaseTtl, busyboxCache, agentFlags, encrypt, seconds);
    }

    public LabOptions withBusyboxCache(Path v) {
        return new LabOptions(name, hosts, containersPerHost, backend, store, network, agents, stateRoot, agentTimeout, progress, docker, ipMasq, leaseTtl, v, agentFlags, encrypt, rekeyAfter);
    }

    /** The flags every agent of the lab gets on top of the lab's own (store, files, health port). */
    public List<String> agentArgs() {
        List<String> out = new ArrayList<>();
        if (ipMasq) {
            out.add("--ip-masq");
        }
        if (leaseTtl != null) {
            out.addAll(List.of("--subnet-lease-ttl", leaseTtl.toMillis() + "ms"));
        }
        out.addAll(agentFlags);
        return out;
    }

    /** The lab's directory: lab.json, logs, the embedded store, each host's subnet.env. */
    public Path labDir() {
        return stateRoot.resolve(name);
    }

    /** The network config JSON the lab writes at {@code <prefix>/config}. */
    public String configJson() {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode();
        root.put("Network", network);
        ObjectNode b = root.putObject("Backend").put("Type", backend.wire());
        if (encrypt) {
            b.put("Encrypt", true);
        }
        if (rekeyAfter != 0) {
            b.put("RekeyAfter", rekeyAfter);
        }
        return root.toString();
    }

    /**
     * Checks every field and returns the parsed network config. Touches nothing.
     *
     * @throws CrossnetException naming the offending option
     */
    public NetworkConfig validate() {
        LabNames.checkLabName(name);
        if (hosts < 1 || hosts > LabNames.MAX_HOSTS) {
            throw new CrossnetException("--hosts: " + hosts + " is out of range 1-" + LabNames.MAX_HOSTS);
        }
        if (containersPerHost < 0) {
            throw new CrossnetException("--containers-per-host: " + containersPerHost + " must be 0 or more");
        }
        if (backend == null || store == null || stateRoot == null || agentTimeout == null || progress == null || busyboxCache == null) {
            throw new CrossnetException("lab options: backend, store, stateRoot, agentTimeout, progress and busyboxCache must be set");
        }
        if (encrypt && backend != BackendConfig.Type.UDP) {
            throw new CrossnetException("--encrypt: only the udp backend encrypts; add --backend udp");
        }
        if (encrypt && store != StoreKind.CLUSTER) {
            throw new CrossnetException("--encrypt: the hosts' seal keys are certified by the cluster CA that crossnet init makes;"
                    + " add --store cluster");
        }
        if (leaseTtl != null && leaseTtl.compareTo(MIN_LEASE_TTL) < 0) {
            throw new CrossnetException("--subnet-lease-ttl: " + leaseTtl.toMillis() + "ms is too short; at least "
                    + MIN_LEASE_TTL.toSeconds() + "s (agents renew at half the TTL)");
        }
        NetworkConfig cfg;
        try {
            cfg = NetworkConfig.parse(configJson());
        } catch (ConfigException e) {
            throw new CrossnetException("--network: " + e.getMessage().replace("invalid network config: Network: ", ""));
        }
        Subnet net = cfg.network();
        if (net.overlaps(LabNames.UNDERLAY)) {
            throw new CrossnetException("--network: " + net + " overlaps the lab's underlay " + LabNames.UNDERLAY);
        }
        if (cfg.poolSize() < hosts) {
            throw new CrossnetException("--network: " + net + " holds " + cfg.poolSize() + " host subnets of /"
                    + cfg.subnetLen() + ", fewer than --hosts " + hosts);
        }
        if (containersPerHost > LabNames.maxContainers(cfg.subnetLen())) {
            throw new CrossnetException("--containers-per-host: " + containersPerHost + " do not fit in a /"
                    + cfg.subnetLen() + " host subnet (at most " + LabNames.maxContainers(cfg.subnetLen()) + ")");
        }
        return cfg;
    }
}

package dev.crossnet.lab;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.crossnet.CrossnetException;
import dev.crossnet.agent.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a lab consists of, as written to {@code lab.json}. The file is rewritten (atomically) after
 * every step of {@code up}, so that status and exec work from another process; {@code down} does
 * not need it (it finds namespaces by prefix) but uses it to stop processes it recorded.
 *
 * @param store   the store spec the agents are given, e.g. {@code file:/run/crossnet/lab/cnlab/store.db}
 * @param etcdPid the lab's etcd process, or 0
 * @param hosts     in index order
 * @param agentArgs extra agent flags from the lab's options ({@code --ip-masq}, {@code --subnet-lease-ttl}),
 *                  kept so that an agent restarted from another process gets them too
 */
public record LabState(String name, String backend, String network, String store, String prefix,
                       int containersPerHost, boolean agents, long etcdPid, List<HostState> hosts, List<String> agentArgs) {

    static final String FILE = "lab.json";
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public LabState {
        hosts = List.copyOf(hosts);
        agentArgs = agentArgs == null ? List.of() : List.copyOf(agentArgs); // null: lab.json from before the field
    }

    /**
     * One simulated host.
     *
     * @param agentPid 0 when no agent runs
     * @param subnet   the leased subnet ({@code 10.5.34.0/24}), null until the agent wrote subnet.env
     * @param mtu      FLANNEL_MTU, 0 until known
     */
    public record HostState(String name, int index, String netns, String underlayIp, long agentPid, String subnet,
                            int mtu, List<ContainerState> containers) {
        public HostState {
            containers = List.copyOf(containers);
        }

        public HostState withAgentPid(long pid) {
            return new HostState(name, index, netns, underlayIp, pid, subnet, mtu, containers);
        }

        public HostState withNetwork(String subnet, int mtu, List<ContainerState> containers) {
            return new HostState(name, index, netns, underlayIp, agentPid, subnet, mtu, containers);
        }
    }

    /** One container namespace on a host's bridge. */
    public record ContainerState(String name, String netns, String ip) {
    }

    public LabState withHost(HostState h) {
        List<HostState> out = new ArrayList<>();
        boolean replaced = false;
        for (HostState old : hosts) {
            if (old.name().equals(h.name())) {
                out.add(h);
                replaced = true;
            } else {
                out.add(old);
            }
        }
        if (!replaced) {
            out.add(h);
            out.sort((a, b) -> Integer.compare(a.index(), b.index()));
        }
        return new LabState(name, backend, network, store, prefix, containersPerHost, agents, etcdPid, out, agentArgs);
    }

    public LabState withEtcdPid(long pid) {
        return new LabState(name, backend, network, store, prefix, containersPerHost, agents, pid, hosts, agentArgs);
    }

    public LabState withStore(String spec) {
        return new LabState(name, backend, network, spec, prefix, containersPerHost, agents, etcdPid, hosts, agentArgs);
    }

    public Optional<HostState> host(String hostName) {
        return hosts.stream().filter(h -> h.name().equals(hostName)).findFirst();
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static LabState fromJson(String json) {
        try {
            return JSON.readValue(json, LabState.class);
        } catch (IOException e) {
            throw new CrossnetException("lab state is unreadable: " + e.getMessage());
        }
    }

    /**
     * Writes {@code dir/lab.json} atomically: a temp file of its own, then a rename, so that writers
     * in several threads or processes (a {@link Lab} and {@code crossnet lab} commands opened on it)
     * never trip over each other's temp file, and a reader sees one whole version.
     */
    public void save(Path dir) {
        AtomicFiles.write(dir.resolve(FILE), toJson());
    }

    /** Reads {@code dir/lab.json}; empty if there is none. */
    public static Optional<LabState> load(Path dir) {
        Path f = dir.resolve(FILE);
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        try {
            return Optional.of(fromJson(Files.readString(f)));
        } catch (IOException e) {
            throw new CrossnetException("cannot read " + f + ": " + e.getMessage(), e);
        }
    }
}

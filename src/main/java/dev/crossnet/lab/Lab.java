package dev.crossnet.lab;

import dev.crossnet.agent.SubnetEnv;
import dev.crossnet.CrossnetException;
import dev.crossnet.lab.LabState.ContainerState;
import dev.crossnet.lab.LabState.HostState;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.UnaryOperator;

/**
 * A running lab: simulated hosts (network namespaces on one underlay bridge), one agent process
 * per host, and container namespaces on each host's bridge. The API of {@code crossnet lab} and of
 * the project's integration tests:
 * <pre>
 * try (Lab lab = Lab.up(LabOptions.defaults().withName("cnt42").withHosts(3))) {
 *     lab.exec("h1-c1", "ping", "-c1", lab.container("h2-c1").ip());
 *     lab.stopAgent("h2"); lab.startAgent("h2"); lab.addHost();
 * }   // close() is down()
 * </pre>
 * Methods block until done and are thread-safe. State is kept in {@code <labdir>/lab.json},
 * rewritten after each step, so {@link #open} works from another process and {@link #down(String,
 * Path)} after a crash.
 */
public final class Lab implements AutoCloseable {
    public static final String PREFIX = "/coreos.com/network";
    static final Duration EXEC_TIMEOUT = Duration.ofSeconds(60);

    private final LabNames names;
    private final Path dir;
    private final LabOptions options;
    private LabState state;

    private Lab(LabNames names, Path dir, LabOptions options, LabState state) {
        this.names = names;
        this.dir = dir;
        this.options = options;
        this.state = state;
    }

    /** Brings a lab up with the lab's own etcd launcher for {@code --store etcd}. */
    public static Lab up(LabOptions options) {
        return up(options, new NsenterEtcd());
    }

    /**
     * Creates the lab and returns once every host's containers are wired, or throws having
     * removed everything it made.
     *
     * @throws CrossnetException on bad options, when not root, when a lab of that name exists, or
     *     when any step fails (an agent that exits or writes no subnet.env in time, an ip command)
     */
    public static Lab up(LabOptions options, LabEtcd etcd) {
        requireRoot();
        options.validate();
        LabNames names = new LabNames(options.name());
        Path dir = options.labDir();
        List<String> existing = Plumbing.listNamespaces(names.nsPrefix());
        if (!existing.isEmpty()) {
            throw alreadyExists(options.name(), "namespaces " + existing);
        }
        try {
            Files.createDirectories(options.stateRoot());
            Files.createDirectory(dir); // atomic: of two concurrent ups of one name, one gets here
        } catch (FileAlreadyExistsException e) {
            throw alreadyExists(options.name(), dir.toString());
        } catch (IOException e) {
            throw new CrossnetException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        LabState initial = new LabState(options.name(), options.backend().wire(), options.network(),
                "file:" + dir.resolve("store.db"), PREFIX, options.containersPerHost(), options.agents(), 0, List.of(),
                options.agentArgs());
        Lab lab = new Lab(names, dir, options, initial);
        try {
            lab.save();
            lab.bringUp(etcd);
            return lab;
        } catch (RuntimeException | Error e) {
            try {
                LabCleaner.down(options.name(), options.stateRoot());
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /** Opens a lab brought up earlier, perhaps by another process. */
    public static Lab open(String name, Path stateRoot) {
        requireRoot();
        LabNames names = new LabNames(name);
        Path dir = stateRoot.resolve(name);
        LabState s = LabState.load(dir).orElseThrow(() -> new CrossnetException(
                "no lab " + name + " (no " + dir.resolve(LabState.FILE) + "); start one with: crossnet lab up --name " + name));
        LabOptions o = LabOptions.defaults().withName(name).withStateRoot(stateRoot);
        return new Lab(names, dir, o, s);
    }

    /**
     * Removes every namespace, process and file of lab {@code name}, whether or not its
     * {@code up} finished. Idempotent.
     *
     * @return a one-line summary of what was removed
     */
    public static String down(String name, Path stateRoot) {
        requireRoot();
        LabCleaner.Report r = LabCleaner.down(name, stateRoot);
        if (r.nothing()) {
            return "lab " + name + ": nothing to remove";
        }
        return "lab " + name + ": stopped " + r.pids().size() + " processes, deleted " + r.namespaces().size()
                + " namespaces" + (r.dir() ? " and " + stateRoot.resolve(name) : "");
    }

    public void down() {
        LabCleaner.down(names.lab(), options.stateRoot());
    }

    @Override
    public void close() {
        down();
    }

    private void bringUp(LabEtcd etcd) {
        Plumbing.createUnderlay(names);
        progress("underlay: namespace " + names.underlayNs() + ", " + LabNames.UNDERLAY_BRIDGE + " "
                + LabNames.underlayGateway() + "/" + LabNames.UNDERLAY.prefixLength());
        String json = options.configJson();
        if (options.store() == LabOptions.StoreKind.ETCD) {
            LabEtcd.Started e = etcd.start(names.underlayNs(), LabNames.underlayGateway().toCanonicalString(), dir.resolve("etcd"));
            update(s -> s.withEtcdPid(e.pid()).withStore(e.store()));
            progress("store: etcd pid " + e.pid() + " on " + e.store());
            LabConfig.writeFromNs(names.underlayNs(), e.store(), PREFIX, json);
        } else if (options.store() == LabOptions.StoreKind.CLUSTER) {
            update(s -> s.withStore(LabCluster.STORE));
        } else {
            LabConfig.write(state().store(), PREFIX, json);
        }
        List<Integer> hosts = new ArrayList<>();
        for (int i = 1; i <= options.hosts(); i++) {
            hosts.add(i);
        }
        if (options.store() == LabOptions.StoreKind.CLUSTER) {
            // init and join one host at a time (the join endpoint admits one at a time anyway), each host's agent started
            // right after, as init and join start it on a real host: h2's agent then starts knowing h1's etcd only, and
            // has to follow the membership as it grows.
            // Each host's agent and containers come up while the next host joins.
            Parallel.forEach(hosts, 16, this::createHost, "creating the lab's hosts");
            List<CountDownLatch> joined = new ArrayList<>();
            for (int i : hosts) {
                joined.add(new CountDownLatch(1));
            }
            Parallel.forEach(hosts, 16, i -> {
                if (i > 1) {
                    try {
                        joined.get(i - 2).await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new CrossnetException("interrupted while h" + i + " waited for the join before it");
                    }
                }
                joinCluster(LabNames.hostName(i));
                joined.get(i - 1).countDown();
                if (state().agents()) {
                    startAgentAndWire(LabNames.hostName(i));
                }
            }, "bringing the lab up");
        } else {
            progress("config: " + PREFIX + "/config = " + json + " in " + state().store());
            Parallel.forEach(hosts, 16, this::addHost, "bringing the lab up");
        }
        if (state().agents()) {
            progress("dashboard: " + LabDashboard.forward(dir, names.hostNs(1), options.agentTimeout())
                    + " (h1's agent, through socat on 127.0.0.1)");
        }
    }

    /** The dashboard's URL for a browser on this machine (h1's agent, forwarded), if the lab runs agents. */
    public java.util.Optional<String> dashboardUrl() {
        return LabDashboard.url(dir);
    }

    private void addHost(int i) {
        createHost(i);
        String host = LabNames.hostName(i);
        if (LabCluster.isCluster(state())) {
            joinCluster(host);
        }
        if (state().agents()) {
            startAgentAndWire(host);
        }
    }

    private void createHost(int i) {
        String host = LabNames.hostName(i);
        Plumbing.createHost(names, i);
        update(s -> s.withHost(new HostState(host, i, names.hostNs(i), LabNames.hostUnderlayIp(i).toCanonicalString(),
                0, null, 0, List.of())));
        progress(host + ": namespace " + names.hostNs(i) + ", eth0 " + LabNames.hostUnderlayIp(i));
    }

    /** {@code crossnet init} on h1, {@code crossnet join} on the others. */
    private void joinCluster(String host) {
        HostState h = host(host);
        if (h.index() == 1) {
            LabCluster.init(dir, h, state().network(), state().backend());
            if (options.encrypt()) {
                LabCluster.setConfig(dir, h, options.configJson());
            }
            progress(host + ": crossnet init: CA, etcd member on " + h.underlayIp() + ":2379, join endpoint on :2377");
        } else {
            LabCluster.join(dir, host("h1"), h);
            progress(host + ": crossnet join: etcd member or client per the cluster's size");
        }
    }

    /** Starts the agent; once it wrote subnet.env, builds the bridge and containers if not there yet. */
    private void startAgentAndWire(String host) {
        HostState h = host(host);
        Path env = Agents.subnetFile(dir, host);
        long started = System.nanoTime();
        boolean firstDocker = options.docker() && !LabDocker.enabled(dir, host);
        if (firstDocker) {
            LabDocker.prepare(dir, host);
        }
        Process p = Agents.start(dir, host, h.netns(), state());
        updateHost(host, x -> x.withAgentPid(p.pid()));
        progress(host + ": agent pid " + p.pid() + ", log " + Agents.log(dir, host));
        if (h.subnet() != null) {
            // A restart: subnet.env is still there from before, so readiness is the signal.
            awaitReady(host, p);
            SubnetEnv now = SubnetEnv.read(env);
            if (!h.subnet().equals(now.subnet().toString())) {
                throw new CrossnetException(host + ": the agent leased " + now.subnet() + " after restart, not "
                        + h.subnet() + "; the lab does not re-address containers (run lab down and up)");
            }
            progress(host + ": agent ready again on " + now.subnet());
            return;
        }
        SubnetEnv se = Agents.awaitSubnetEnv(host, p, env, Agents.log(dir, host), options.agentTimeout());
        int count = state().containersPerHost();
        Plumbing.createContainers(names, h.index(), se, count);
        List<ContainerState> cs = new ArrayList<>();
        for (int c = 1; c <= count; c++) {
            cs.add(new ContainerState(LabNames.containerName(h.index(), c), names.containerNs(h.index(), c),
                    LabNames.containerIp(se.subnet(), c).toCanonicalString()));
        }
        updateHost(host, x -> x.withNetwork(se.subnet().toString(), se.mtu(), cs));
        // The agent writes subnet.env a moment before it watches its peers and turns ready; the
        // containers are wired meanwhile, and up is done only when every agent says ready.
        awaitReady(host, p);
        if (firstDocker) {
            LabDocker.start(dir, host, h.netns(), h.underlayIp(), state(), options.busyboxCache());
            progress(host + ": dockerd on " + LabDocker.socket(dir, host) + " with the crossnet plugins, busybox imported");
        }
        progress(String.format("%s: subnet %s, mtu %d, %d containers (ready %.1fs after agent start)", host, se.subnet(),
                se.mtu(), count, (System.nanoTime() - started) / 1e9));
    }

    private void awaitReady(String host, Process agent) {
        Agents.awaitReady(host, agent, host(host).netns(), Agents.log(dir, host), options.agentTimeout());
    }

    /** Adds host h(N+1) with its agent and containers, like the hosts of {@code up}; returns its name. */
    public synchronized String addHost() {
        int next = state().hosts().stream().mapToInt(HostState::index).max().orElse(0) + 1;
        if (next > LabNames.MAX_HOSTS) {
            throw new CrossnetException("lab " + names.lab() + " already has " + LabNames.MAX_HOSTS + " hosts");
        }
        addHost(next);
        return LabNames.hostName(next);
    }

    /** Stops the agent of {@code host} (SIGTERM, then SIGKILL); the namespaces stay. Idempotent. */
    public synchronized void stopAgent(String host) {
        HostState h = host(host);
        if (Processes.isOurs(h.agentPid(), dir + "/")) {
            Processes.stop(List.of(h.agentPid()), LabCleaner.STOP_GRACE);
        }
        updateHost(host, x -> x.withAgentPid(0));
    }

    /**
     * Starts the agent of {@code host} again and waits until it is ready. A no-op if it runs.
     *
     * @throws CrossnetException if it leases a different subnet than before (containers keep theirs)
     */
    public synchronized void startAgent(String host) {
        if (!state().agents()) {
            throw new CrossnetException("lab " + names.lab() + " was brought up without agents");
        }
        if (!Processes.isOurs(host(host).agentPid(), dir + "/")) {
            startAgentAndWire(host);
        }
    }

    /**
     * Deletes the lease of {@code host} from the store, as {@code crossnet lease release} would,
     * from inside the underlay namespace (where the lab's etcd listens). Its agent should be
     * stopped first, or it takes a lease again. The host's namespaces and containers stay.
     */
    public void releaseLease(String host) {
        HostState h = host(host);
        if (h.subnet() == null) {
            throw new CrossnetException(host + " has no lease");
        }
        LabConfig.releaseFromNs(names.underlayNs(), state().store(), state().prefix(), h.subnet());
        progress(host + ": lease " + h.subnet() + " released");
    }

    /**
     * Starts {@code cmd} in the namespace of a host or container and returns at once, for servers
     * and long transfers; stdout and stderr are captured by the returned process. The caller stops
     * it (and {@code down} stops anything left in the lab's namespaces).
     */
    public Process spawn(String name, String... cmd) {
        try {
            return new ProcessBuilder(Plumbing.inNs(nsOf(name), Arrays.asList(cmd))).start();
        } catch (IOException e) {
            throw new CrossnetException("cannot run nsenter: " + e.getMessage(), e);
        }
    }

    /** Exit code and output of {@link #exec}. */
    public record ExecResult(int exit, String out, String err) {
    }

    /** Runs {@code cmd} in the network namespace of a host or container, with a 60 s limit. */
    public ExecResult exec(String name, String... cmd) {
        return exec(name, EXEC_TIMEOUT, cmd);
    }

    public ExecResult exec(String name, Duration timeout, String... cmd) {
        Cmd.Result r = Cmd.run(Plumbing.inNs(nsOf(name), clusterEnv(name, Arrays.asList(cmd))), null, timeout);
        return new ExecResult(r.exit(), r.out(), r.err());
    }

    /** Runs the docker CLI against the dockerd of {@code host} ({@code lab up --docker}). */
    public dev.crossnet.docker.lab.Exec.Result docker(String host, Duration timeout, String... args) {
        requireDocker(host);
        return LabDocker.docker(dir, host, timeout, args);
    }

    /** {@link #docker} with this process's stdin, stdout and stderr; returns the exit code. */
    public int dockerInteractive(String host, List<String> args) {
        requireDocker(host);
        try {
            return new ProcessBuilder(LabDocker.dockerArgv(dir, host, args)).inheritIO().start().waitFor();
        } catch (IOException e) {
            throw new CrossnetException("lab docker: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CrossnetException("lab docker: interrupted");
        }
    }

    private void requireDocker(String host) {
        host(host);
        if (!LabDocker.enabled(dir, host)) {
            throw new CrossnetException("host " + host + " of lab " + names.lab() + " has no dockerd; bring the lab up with --docker");
        }
    }

    /** Runs {@code cmd} in a namespace with this process's stdin, stdout and stderr; returns its exit code. */
    public int execInteractive(String name, List<String> cmd) {
        try {
            return new ProcessBuilder(Plumbing.inNs(nsOf(name), clusterEnv(name, cmd))).inheritIO().start().waitFor();
        } catch (IOException e) {
            throw new CrossnetException("lab exec: cannot run nsenter: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CrossnetException("lab exec: interrupted");
        }
    }

    /** On a host of a cluster lab, {@code cmd} with {@code CROSSNET_CONFIG_DIR} pointing at the host's config directory. */
    private List<String> clusterEnv(String name, List<String> cmd) {
        boolean host = LabNames.parseRef(name).map(LabNames.Ref::isHost).orElse(false);
        return host && LabCluster.isCluster(state()) ? LabCluster.withConfigDir(dir, name, cmd) : cmd;
    }

    /** The namespace of host or container {@code name}, e.g. {@code cnlab-h1-c2} for {@code h1-c2}. */
    public String nsOf(String name) {
        LabNames.Ref ref = LabNames.parseRef(name).orElse(null);
        boolean known = ref != null && state().host(LabNames.hostName(ref.host()))
                .map(h -> ref.isHost() || h.containers().stream().anyMatch(c -> c.name().equals(name)))
                .orElse(false);
        if (!known) {
            List<String> all = new ArrayList<>();
            state().hosts().forEach(h -> {
                all.add(h.name());
                h.containers().forEach(c -> all.add(c.name()));
            });
            throw new CrossnetException("no host or container \"" + name + "\" in lab " + names.lab() + " (it has: "
                    + String.join(", ", all) + ")");
        }
        return names.nsOf(ref);
    }

    /** The overlay IP of a container, or the underlay IP of a host. */
    public String ip(String name) {
        nsOf(name); // rejects unknown names with the list of known ones
        LabNames.Ref ref = LabNames.parseRef(name).orElseThrow();
        return ref.isHost() ? host(name).underlayIp() : container(name).ip();
    }

    public synchronized LabState state() {
        return state;
    }

    public HostState host(String name) {
        return state().host(name).orElseThrow(() -> new CrossnetException("no host \"" + name + "\" in lab " + names.lab()));
    }

    public ContainerState container(String name) {
        return state().hosts().stream().flatMap(h -> h.containers().stream()).filter(c -> c.name().equals(name))
                .findFirst().orElseThrow(() -> new CrossnetException("no container \"" + name + "\" in lab " + names.lab()));
    }

    public String name() {
        return names.lab();
    }

    public Path dir() {
        return dir;
    }

    /** The log file of {@code host}'s agent. */
    public Path agentLog(String host) {
        return Agents.log(dir, host(host).name());
    }

    /** Agents' liveness and readiness, probed now. */
    public LabStatus status() {
        LabState s = state();
        List<LabStatus.HostStatus> hs = new ArrayList<>();
        for (HostState h : s.hosts()) {
            boolean alive = Processes.isOurs(h.agentPid(), dir + "/");
            boolean ready = alive && Agents.ready(h.netns());
            hs.add(new LabStatus.HostStatus(h.name(), h.netns(), h.underlayIp(), h.agentPid(), alive, ready,
                    h.subnet(), h.mtu(), h.containers()));
        }
        return new LabStatus(s.name(), s.backend(), s.network(), s.store(), hs);
    }

    /**
     * Everything a failed test wants to see: the store's keys, each agent's log tail, and each
     * host's {@code ip -d link}, routes, neighbours and {@code bridge fdb}. Never throws.
     */
    public String diagnostics() {
        return Diagnostics.of(names, dir, state());
    }

    private synchronized void update(UnaryOperator<LabState> change) {
        state = change.apply(state);
        save();
    }

    private void updateHost(String host, UnaryOperator<HostState> change) {
        update(s -> s.withHost(change.apply(s.host(host).orElseThrow())));
    }

    private synchronized void save() {
        state.save(dir);
    }

    private void progress(String line) {
        options.progress().accept(line);
    }

    private static CrossnetException alreadyExists(String name, String what) {
        return new CrossnetException("lab " + name + " already exists (" + what + "); remove it with: crossnet lab down --name "
                + name + (LabNames.DEFAULT_LAB.equals(name) ? "" : ", or pick another --name"));
    }

    static void requireRoot() {
        Processes.requireRoot();
    }
}

package dev.crossnet.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crossnet.docker.lab.BusyboxImage;
import dev.crossnet.docker.lab.DockerDaemon;
import dev.crossnet.docker.lab.Exec;
import dev.crossnet.store.KeyValue;
import dev.crossnet.store.sqlite.SqliteStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * N namespaced hosts on one LAN, each with a real dockerd and the crossnet IPAM plugin, all on one
 * embedded store; optionally ({@code dns}) each dockerd also gets {@code --dns <its own underlay IP>}
 * and the host runs {@code crossnet dns serve} there. Shared by the IPAM and name-discovery tests.
 *
 * <p>The LAN is a switch namespace ({@code cns…sw}) whose bridge is also the router: 10.99.0.254
 * for the hosts and 192.168.100.1, the macvlan networks' gateway. A macvlan container can never
 * reach its own parent host's addresses (the kernel does not switch between a macvlan port and its
 * parent), so its DNS query to 10.99.0.N goes out through that gateway and back in on eth0, as on a
 * real LAN. Names are {@code cns} + random; {@link #close} removes everything.
 */
public final class MacvlanHosts implements AutoCloseable {
    public static final Duration CMD = Duration.ofSeconds(60);
    /** The limit on every wait for state to converge: generous, since it only stops a broken run. */
    public static final Duration PATIENCE = Duration.ofSeconds(60);
    public static final String PREFIX = "/crossnet-it";
    public static final String NET = "mv";

    final String sfx = claimSuffix();
    public final Path dir = dirOf(sfx);
    public final Path storeFile = dir.resolve("store.db");
    private final String sw = "cns" + sfx + "sw";
    private final List<String> namespaces = new ArrayList<>();
    final List<DockerDaemon> daemons = new ArrayList<>();
    private final List<Process> plugins = new ArrayList<>();
    private final List<Process> dnsServers = new ArrayList<>();

    /** Builds the LAN and {@code hosts} hosts, each with dockerd, IPAM plugin and DNS. */
    public MacvlanHosts(int hosts) throws Exception {
        this(hosts, true);
    }

    /** Builds the LAN and {@code hosts} hosts, each with dockerd and IPAM plugin, and DNS if {@code dns}. */
    public MacvlanHosts(int hosts, boolean dns) throws Exception {
        try {
            lan(hosts);
            Path tarball = BusyboxImage.tarball(BusyboxImage.DEFAULT_CACHE);
            for (int i = 1; i <= hosts; i++) {
                DockerDaemon d = dns
                        ? DockerDaemon.start(host(i), dir.resolve("h" + i), Duration.ofSeconds(60), "--dns", underlayIp(i))
                        : DockerDaemon.start(host(i), dir.resolve("h" + i), Duration.ofSeconds(60));
                daemons.add(d);
                BusyboxImage.importInto(d, tarball);
                Path socket = d.pluginDir().resolve("crossnet.sock");
                Process plugin = crossnet(host(i), "h" + i + "-plugin", "plugin", "serve", "--socket", socket.toString(), "--host-id", "h" + i);
                plugins.add(plugin);
                await("plugin socket of h" + i).atMost(PATIENCE).until(() -> Files.exists(socket) || !plugin.isAlive());
                assertThat(plugin.isAlive()).as("plugin for h%d: %s", i, log("h" + i + "-plugin")).isTrue();
                if (dns) {
                    dnsServers.add(crossnet(host(i), "h" + i + "-dns", "dns", "serve", "--docker-host", "unix://" + d.socket(),
                            "--listen", underlayIp(i), "--host-id", "h" + i, "--record-ttl", "6s"));
                }
            }
            for (int i = 1; i <= dnsServers.size(); i++) {
                int n = i;
                Process p = dnsServers.get(i - 1);
                await("dns of h" + i).atMost(PATIENCE)
                        .until(() -> log("h" + n + "-dns").contains("answering on udp") || !p.isAlive());
                assertThat(p.isAlive()).as(log("h" + n + "-dns")).isTrue();
            }
        } catch (Throwable t) {
            dump();
            close();
            throw t;
        }
    }

    /**
     * A random suffix whose directory {@code /tmp/cns<suffix>} this call created, so that two runs
     * at once (threads or processes) never share a directory, nor the namespaces named after it.
     */
    private static String claimSuffix() {
        while (true) {
            String sfx = HexFormat.of().formatHex(new byte[] {(byte) ThreadLocalRandom.current().nextInt(),
                    (byte) ThreadLocalRandom.current().nextInt(), (byte) ThreadLocalRandom.current().nextInt()});
            try {
                Files.createDirectory(dirOf(sfx));
                return sfx;
            } catch (java.nio.file.FileAlreadyExistsException taken) {
                // another run has it: draw again
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    private static Path dirOf(String sfx) {
        return Path.of("/tmp/cns" + sfx);
    }

    public DockerDaemon docker(int i) {
        return daemons.get(i - 1);
    }

    /** The crossnet macvlan network on every host: one subnet, one shared pool. */
    public void createNetwork() {
        for (DockerDaemon d : daemons) {
            d.docker(CMD, "network", "create", "-d", "macvlan", "--ipam-driver", "crossnet",
                    "--subnet", "192.168.100.0/24", "--gateway", "192.168.100.1", "--ipam-opt", "pool=shared",
                    "-o", "parent=eth0", NET).orThrow();
        }
    }

    public String host(int i) {
        return "cns" + sfx + "h" + i;
    }

    public static String underlayIp(int i) {
        return "10.99.0." + i;
    }

    /** {@code crossnet ARGS… --store … --prefix …} detached in namespace {@code ns}, logging to {@code <dir>/<logName>.log}. */
    private Process crossnet(String ns, String logName, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of("nsenter", "--net=/var/run/netns/" + ns,
                ProcessHandle.current().info().command().orElse("java"), "-cp", System.getProperty("java.class.path"),
                "dev.crossnet.cli.Main"));
        argv.addAll(List.of(args));
        argv.addAll(List.of("--store", "file:" + storeFile, "--prefix", PREFIX));
        return new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(dir.resolve(logName + ".log").toFile()).start();
    }

    public String log(String name) {
        try {
            return Files.readString(dir.resolve(name + ".log"));
        } catch (Exception e) {
            return "";
        }
    }

    /** Stops the DNS process of host {@code i} (SIGKILL: a crash, nothing cleaned up). */
    public void killDns(int i) throws InterruptedException {
        Process p = dnsServers.get(i - 1);
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
    }

    private void lan(int hosts) {
        ns(sw);
        ip("-n", sw, "link", "add", "br0", "type", "bridge");
        ip("-n", sw, "addr", "add", "10.99.0.254/24", "dev", "br0");
        ip("-n", sw, "addr", "add", "192.168.100.1/24", "dev", "br0");
        ip("-n", sw, "link", "set", "br0", "up");
        Exec.run(Duration.ofSeconds(10), "ip", "netns", "exec", sw, "sysctl", "-qw", "net.ipv4.ip_forward=1").orThrow();
        for (int i = 1; i <= hosts; i++) {
            ns(host(i));
            ip("-n", sw, "link", "add", "p" + i, "type", "veth", "peer", "name", "eth0", "netns", host(i));
            ip("-n", sw, "link", "set", "p" + i, "master", "br0", "up");
            ip("-n", host(i), "addr", "add", underlayIp(i) + "/24", "dev", "eth0");
            ip("-n", host(i), "link", "set", "eth0", "up");
            ip("-n", host(i), "link", "set", "lo", "up");
            ip("-n", host(i), "route", "add", "default", "via", "10.99.0.254");
        }
    }

    private void ns(String name) {
        ip("netns", "add", name);
        namespaces.add(name);
    }

    private static void ip(String... args) {
        List<String> argv = new ArrayList<>(List.of("ip"));
        argv.addAll(List.of(args));
        Exec.run(Duration.ofSeconds(10), argv.toArray(String[]::new)).orThrow();
    }

    /** The store, every log and each namespace's links, addresses and routes, to stderr. */
    public void dump() {
        System.err.println("=== store " + storeFile);
        try (SqliteStore store = SqliteStore.open(storeFile)) {
            for (KeyValue kv : store.list("/").items()) {
                System.err.println(kv.key() + " = " + kv.value());
            }
        } catch (Exception e) {
            System.err.println("(cannot read store: " + e + ")");
        }
        for (DockerDaemon d : daemons) {
            System.err.println("=== dockerd " + d.netns() + "\n" + d.logTail(30));
        }
        for (int i = 1; i <= daemons.size(); i++) {
            System.err.println("=== h" + i + " plugin\n" + log("h" + i + "-plugin") + "=== h" + i + " dns\n" + log("h" + i + "-dns"));
        }
        for (String ns : namespaces) {
            System.err.println("=== " + ns + "\n" + Exec.run(Duration.ofSeconds(10), "ip", "-n", ns, "-d", "link").stdout()
                    + Exec.run(Duration.ofSeconds(10), "ip", "-n", ns, "addr").stdout()
                    + Exec.run(Duration.ofSeconds(10), "ip", "-n", ns, "route").stdout()
                    + Exec.run(Duration.ofSeconds(10), "ip", "-n", ns, "neigh").stdout()
                    + Exec.run(Duration.ofSeconds(10), "bridge", "-n", ns, "fdb").stdout());
        }
    }

    @Override
    public void close() {
        for (DockerDaemon d : daemons) {
            try {
                String ids = d.docker(CMD, "ps", "-aq").stdout().strip();
                if (!ids.isEmpty()) {
                    List<String> rm = new ArrayList<>(List.of("rm", "-f"));
                    rm.addAll(List.of(ids.split("\\s+")));
                    d.docker(CMD, rm.toArray(String[]::new));
                }
                d.docker(CMD, "network", "rm", NET);
            } catch (Exception e) {
                System.err.println("cleanup of " + d.netns() + ": " + e);
            }
        }
        List<Process> processes = new ArrayList<>(plugins);
        processes.addAll(dnsServers);
        for (Process p : processes) {
            p.destroy();
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        }
        daemons.forEach(DockerDaemon::close);
        for (String ns : namespaces) {
            Exec.run(Duration.ofSeconds(10), "ip", "netns", "del", ns);
        }
        Exec.run(Duration.ofSeconds(60), "rm", "-rf", dir.toString());
    }
}

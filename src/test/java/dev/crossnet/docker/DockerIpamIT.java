package dev.crossnet.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crossnet.docker.lab.BusyboxImage;
import dev.crossnet.docker.lab.DockerDaemon;
import dev.crossnet.docker.lab.Exec;
import dev.crossnet.docker.plugin.RawPluginClient;
import dev.crossnet.store.KeyValue;
import dev.crossnet.store.sqlite.SqliteStore;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Seed 004's macvlan flow done right: two hosts on one underlay, a real dockerd each, one crossnet
 * IPAM plugin per host on a shared store. Containers created without {@code --ip} get distinct
 * addresses and reach each other across hosts.
 */
@Tag("integration")
class DockerIpamIT {
    private static final Duration CMD = Duration.ofSeconds(60);
    private static final String PREFIX = "/crossnet-it";

    private final String sfx = HexFormat.of().formatHex(new byte[] {(byte) ThreadLocalRandom.current().nextInt(), (byte) ThreadLocalRandom.current().nextInt(), (byte) ThreadLocalRandom.current().nextInt()});
    private final String sw = "cnd" + sfx + "sw";
    private final Path dir = Path.of("/tmp/cnd" + sfx);
    private final Path storeFile = dir.resolve("store.db");
    private final List<String> namespaces = new ArrayList<>();
    private final List<DockerDaemon> daemons = new ArrayList<>();
    private final List<Process> plugins = new ArrayList<>();

    @Test
    void macvlanOnTwoHosts_sharedPool_distinctAddressesAndCrossHostPing() throws Exception {
        try {
            underlay(2);
            Path tarball = BusyboxImage.tarball(BusyboxImage.DEFAULT_CACHE);
            for (int i = 1; i <= 2; i++) {
                DockerDaemon d = DockerDaemon.start(host(i), dir.resolve("h" + i), Duration.ofSeconds(60));
                daemons.add(d);
                BusyboxImage.importInto(d, tarball);
                plugins.add(startPlugin(d, "h" + i));
            }
            DockerDaemon h1 = daemons.get(0);
            DockerDaemon h2 = daemons.get(1);
            for (DockerDaemon d : daemons) {
                d.docker(CMD, "network", "create", "-d", "macvlan", "--ipam-driver", "crossnet",
                        "--subnet", "192.168.100.0/24", "--gateway", "192.168.100.1", "--ipam-opt", "pool=shared",
                        "-o", "parent=eth0", "mv").orThrow();
            }

            run(h1, "c1");
            run(h2, "c2");
            String ip1 = ip(h1, "c1");
            String ip2 = ip(h2, "c2");
            assertThat(ip1).startsWith("192.168.100.").isNotEqualTo("192.168.100.1");
            assertThat(ip2).startsWith("192.168.100.").isNotEqualTo("192.168.100.1").isNotEqualTo(ip1);
            assertPings(h1, "c1", ip2);
            assertPings(h2, "c2", ip1);

            // A static address held by the other host is refused, naming it.
            Exec.Result clash = h2.docker(CMD, "run", "-d", "--name", "c3", "--network", "mv", "--ip", ip1, "busybox", "sleep", "600");
            assertThat(clash.ok()).isFalse();
            assertThat(clash.stderr()).contains(ip1).contains("already allocated");
            h2.docker(CMD, "rm", "-f", "c3");
            // A free static address is honoured.
            h2.docker(CMD, "run", "-d", "--name", "c4", "--network", "mv", "--ip", "192.168.100.200", "busybox", "sleep", "600").orThrow();
            assertThat(ip(h2, "c4")).isEqualTo("192.168.100.200");

            // Removing a container frees its address; the other host can then have it.
            String ip1Key = PREFIX + "/ipam/addresses/shared-192.168.100.0-24/" + ip1;
            try (SqliteStore store = SqliteStore.open(storeFile)) {
                // Each daemon found its own host's plugin in its private /run/docker/plugins view.
                assertThat(store.get(ip1Key).orElseThrow().value()).contains("\"Host\":\"h1\"");
                assertThat(store.get(PREFIX + "/ipam/addresses/shared-192.168.100.0-24/" + ip2).orElseThrow().value()).contains("\"Host\":\"h2\"");
                h1.docker(CMD, "rm", "-f", "c1").orThrow();
                await().atMost(Duration.ofSeconds(20)).until(() -> store.get(ip1Key).isEmpty());
            }
            run(h2, "c5");
            assertThat(ip(h2, "c5")).isEqualTo(ip1); // lowest free address again

            malformedRequests_getErrAndWriteNothing(h1.pluginDir().resolve("crossnet.sock"));
        } catch (Throwable t) {
            dump();
            throw t;
        } finally {
            cleanup();
        }
    }

    private void malformedRequests_getErrAndWriteNothing(Path socket) throws Exception {
        String before = snapshot();
        try (RawPluginClient c = new RawPluginClient(socket)) {
            RawPluginClient.Response bad = c.post("/IpamDriver.RequestPool", "{\"Pool\": \"192.168.7.0/24\", ");
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.body()).startsWith("{\"Err\":\"").contains("malformed JSON");
            RawPluginClient.Response missing = c.post("/IpamDriver.RequestAddress", "{\"Address\":\"192.168.100.9\"}");
            assertThat(missing.status()).isEqualTo(400);
            assertThat(missing.body()).contains("\"Err\"").contains("PoolID is required");
            RawPluginClient.Response unknown = c.post("/IpamDriver.RequestAddress", "{\"PoolID\":\"shared-192.168.100.0-24@000000000000\"}");
            assertThat(unknown.status()).isEqualTo(500);
            assertThat(unknown.body()).contains("\"Err\"").contains("unknown pool ID");
            RawPluginClient.Response noSubnet = c.post("/IpamDriver.RequestPool", "{\"AddressSpace\":\"CrossnetLocal\",\"V6\":false}");
            assertThat(noSubnet.body()).contains("\"Err\"").contains("--subnet is required");
            RawPluginClient.Response wrongType = c.post("/IpamDriver.RequestPool", "{\"Pool\":\"192.168.8.0/24\",\"V6\":\"maybe\"}");
            assertThat(wrongType.body()).contains("\"Err\"").contains("V6");
        }
        assertThat(snapshot()).isEqualTo(before);
    }

    private Process startPlugin(DockerDaemon d, String hostId) throws Exception {
        Path socket = d.pluginDir().resolve("crossnet.sock");
        Process p = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), "dev.crossnet.cli.Main", "plugin", "serve",
                "--store", "file:" + storeFile, "--prefix", PREFIX, "--socket", socket.toString(), "--host-id", hostId)
                .redirectErrorStream(true).redirectOutput(dir.resolve(hostId + "-plugin.log").toFile()).start();
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(socket) || !p.isAlive());
        assertThat(p.isAlive()).as("plugin for %s: %s", hostId, Files.readString(dir.resolve(hostId + "-plugin.log"))).isTrue();
        return p;
    }

    private static void run(DockerDaemon d, String name) {
        d.docker(CMD, "run", "-d", "--name", name, "--network", "mv", "busybox", "sleep", "600").orThrow();
    }

    private static String ip(DockerDaemon d, String name) {
        return d.docker(CMD, "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", name).orThrow().stdout().strip();
    }

    private static void assertPings(DockerDaemon d, String container, String target) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> d.docker(Duration.ofSeconds(10), "exec", container, "ping", "-c", "1", "-W", "1", target).ok());
    }

    private String host(int i) {
        return "cnd" + sfx + "h" + i;
    }

    /** A switch namespace with bridge br0, and per host a namespace whose eth0 is a port of it. */
    private void underlay(int hosts) {
        ns(sw);
        ip("-n", sw, "link", "add", "br0", "type", "bridge");
        ip("-n", sw, "link", "set", "br0", "up");
        for (int i = 1; i <= hosts; i++) {
            ns(host(i));
            ip("-n", sw, "link", "add", "p" + i, "type", "veth", "peer", "name", "eth0", "netns", host(i));
            ip("-n", sw, "link", "set", "p" + i, "master", "br0", "up");
            ip("-n", host(i), "addr", "add", "10.99.0." + i + "/24", "dev", "eth0");
            ip("-n", host(i), "link", "set", "eth0", "up");
            ip("-n", host(i), "link", "set", "lo", "up");
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

    private String snapshot() {
        try (SqliteStore store = SqliteStore.open(storeFile)) {
            return store.list(PREFIX + "/").items().stream().map(kv -> kv.key() + "=" + kv.value()).collect(Collectors.joining("\n"));
        }
    }

    private void dump() {
        System.err.println("=== store " + storeFile);
        try (SqliteStore store = SqliteStore.open(storeFile)) {
            for (KeyValue kv : store.list("/").items()) {
                System.err.println(kv.key() + " = " + kv.value());
            }
        } catch (Exception e) {
            System.err.println("(cannot read store: " + e + ")");
        }
        for (DockerDaemon d : daemons) {
            System.err.println("=== dockerd " + d.netns() + "\n" + d.logTail(40));
        }
        for (String host : new String[] {"h1", "h2"}) {
            try {
                System.err.println("=== plugin " + host + "\n" + Files.readString(dir.resolve(host + "-plugin.log")));
            } catch (Exception e) {
                System.err.println("(no plugin log for " + host + ")");
            }
        }
        for (String ns : namespaces) {
            System.err.println("=== " + ns + "\n" + Exec.run(Duration.ofSeconds(10), "ip", "-n", ns, "-d", "link").stdout()
                    + Exec.run(Duration.ofSeconds(10), "ip", "-n", ns, "addr").stdout()
                    + Exec.run(Duration.ofSeconds(10), "ip", "-n", ns, "route").stdout()
                    + Exec.run(Duration.ofSeconds(10), "ip", "-n", ns, "neigh").stdout()
                    + Exec.run(Duration.ofSeconds(10), "bridge", "-n", ns, "fdb").stdout());
        }
    }

    private void cleanup() {
        for (DockerDaemon d : daemons) {
            try {
                String ids = d.docker(CMD, "ps", "-aq").stdout().strip();
                if (!ids.isEmpty()) {
                    List<String> rm = new ArrayList<>(List.of("rm", "-f"));
                    rm.addAll(List.of(ids.split("\\s+")));
                    d.docker(CMD, rm.toArray(String[]::new));
                }
                d.docker(CMD, "network", "rm", "mv");
            } catch (Exception e) {
                System.err.println("cleanup of " + d.netns() + ": " + e);
            }
        }
        for (Process p : plugins) {
            p.destroy();
            try {
                if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
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
        assertThat(new File(dir.toString())).doesNotExist();
    }
}

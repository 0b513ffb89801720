package dev.crossnet.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.lease.LeaseRegistry;
import dev.crossnet.model.LeaseAttrs;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.store.sqlite.SqliteStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code crossnet agent} binary, run in a fresh namespace, on bad input: one clear message,
 * exit 1, and nothing left in the store, the kernel or on disk.
 */
@Tag("integration")
class AgentBadInputIT {
    @TempDir
    Path dir;
    String ns;
    Path db;

    record Run(int code, String err) {
    }

    @BeforeEach
    void setUp() throws Exception {
        ns = "cnb" + UUID.randomUUID().toString().substring(0, 6);
        sh("ip", "netns", "add", ns);
        sh("ip", "-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", "eth1");
        sh("ip", "-n", ns, "addr", "add", "172.29.0.5/24", "dev", "eth0");
        sh("ip", "-n", ns, "link", "set", "eth0", "up");
        db = dir.resolve("store.db");
        try (SqliteStore s = SqliteStore.open(db)) {
            new LeaseRegistry(s, "/p").setConfig(NetworkConfig.parse("{\"Network\":\"10.0.0.0/26\",\"SubnetLen\":28}"));
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        sh("ip", "netns", "del", ns);
    }

    List<String> agentArgs(String... extra) {
        List<String> a = new ArrayList<>(List.of(Path.of("bin/crossnet").toAbsolutePath().toString(), "agent",
                "--store", "file:" + db, "--prefix", "/p", "--iface", "eth0", "--healthz-port", "0",
                "--dashboard-listen", "off", // the fresh namespace has no loopback up
                "--subnet-file", dir.resolve("run/subnet.env").toString(),
                "--docker-opts-file", dir.resolve("run/docker").toString(),
                "--state-dir", dir.resolve("state").toString()));
        for (int i = 0; i + 1 < extra.length; i += 2) {
            int at = a.indexOf(extra[i]);
            if (at >= 0) {
                a.set(at + 1, extra[i + 1]); // an option given twice is a usage error
            } else {
                a.addAll(List.of(extra[i], extra[i + 1]));
            }
        }
        return a;
    }

    Run agent(List<String> prefix, List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("agent should exit on bad input").isTrue();
        return new Run(p.exitValue(), err);
    }

    Run agentInNs(String... extra) throws Exception {
        return agent(List.of("nsenter", "--net=/var/run/netns/" + ns), agentArgs(extra));
    }

    void assertNothingWritten() throws IOException {
        try (SqliteStore s = SqliteStore.open(db)) {
            assertThat(new LeaseRegistry(s, "/p").leases().leases())
                    .filteredOn(l -> "172.29.0.5".equals(l.attrs().publicIp())).isEmpty();
        }
        assertThat(dir.resolve("run/subnet.env")).doesNotExist();
        assertThat(sh("ip", "-n", ns, "-o", "link", "show")).doesNotContain("crossnet.1");
    }

    @Test
    void notRoot_refuses() throws Exception {
        Run r = agent(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"), agentArgs());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("crossnet: error: the agent must run as root");
    }

    @Test
    void unknownIface_namesIt() throws Exception {
        Run r = agentInNs("--iface", "eth9");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("crossnet: error: --iface: no interface eth9 with an IPv4 address on this host");
        assertNothingWritten();
    }

    @Test
    void networkOverlappingTheUnderlay_refusedNamingBothRanges() throws Exception {
        try (SqliteStore s = SqliteStore.open(db)) {
            new LeaseRegistry(s, "/p").setConfig(NetworkConfig.parse("{\"Network\":\"172.29.0.0/16\"}"));
        }
        Run r = agentInNs();
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("crossnet: error: invalid network config: Network: 172.29.0.0/16 overlaps 172.29.0.0/24,"
                + " the underlay subnet of eth0");
        assertNothingWritten();
    }

    @Test
    void publicIpNotOnThisHost_isRefused() throws Exception {
        Run r = agentInNs("--public-ip", "203.0.113.7");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("--public-ip: 203.0.113.7 is not an address of this host");
        assertNothingWritten();
    }

    @Test
    void foreignDeviceWithOurName_isRefusedAndLeftAlone() throws Exception {
        sh("ip", "-n", ns, "link", "add", "crossnet.1", "type", "vxlan", "id", "77", "dstport", "4789", "dev", "eth0");
        Run r = agentInNs();
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("device crossnet.1 already exists with incompatible settings").contains("VNI 77 (want 1)");
        assertThat(sh("ip", "-n", ns, "-d", "link", "show", "crossnet.1")).contains("vxlan id 77");
        try (SqliteStore s = SqliteStore.open(db)) {
            assertThat(new LeaseRegistry(s, "/p").leases().leases()).isEmpty();
        }
    }

    @Test
    void unwritableSubnetFile_failsBeforeLeasing() throws Exception {
        Path blocker = dir.resolve("blocker");
        Files.writeString(blocker, "x");
        List<String> args = agentArgs("--subnet-file", blocker.resolve("subnet.env").toString());
        Run r = agent(List.of("nsenter", "--net=/var/run/netns/" + ns), args);
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("--subnet-file: cannot write " + blocker.resolve("subnet.env"));
        assertNothingWritten();
    }

    /** Regression: the vxlan device used to be created before the lease, so a full pool left it behind. */
    @Test
    void fullPool_leavesNoDeviceBehind() throws Exception {
        try (SqliteStore s = SqliteStore.open(db)) {
            LeaseRegistry reg = new LeaseRegistry(s, "/p");
            for (int i = 0; i < 3; i++) {
                reg.create(reg.config().subnetAt(i), new LeaseAttrs("172.29.0." + (100 + i), "vxlan", null), Duration.ofHours(1));
            }
        }
        Run r = agentInNs();
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("no free subnet in 10.0.0.0/26 for /28: 3 of 3 leased");
        assertNothingWritten();
    }

    @Test
    void unreachableStore_namesTheEndpoint() throws Exception {
        List<String> args = agentArgs("--store", "etcd://127.0.0.1:1", "--store-timeout", "1s");
        Run r = agent(List.of("nsenter", "--net=/var/run/netns/" + ns), args);
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("cannot reach etcd at http://127.0.0.1:1");
        assertThat(dir.resolve("run/subnet.env")).doesNotExist();
        assertThat(sh("ip", "-n", ns, "-o", "link", "show")).doesNotContain("crossnet.1");
    }

    static String sh(String... cmd) throws IOException {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + ": " + out);
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}

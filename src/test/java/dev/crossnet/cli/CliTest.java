package dev.crossnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.store.sqlite.SqliteStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI end to end in-process: exit codes, one clear message, and nothing written on bad input. */
class CliTest {
    @TempDir
    Path dir;

    static CliRun run(String... args) {
        return CliRun.of(args);
    }

    String store() {
        return "file:" + dir.resolve("store.db");
    }

    Path config(String json) throws Exception {
        Path f = dir.resolve("net.json");
        Files.writeString(f, json);
        return f;
    }

    @Test
    void configSetThenGet_roundTrips() throws Exception {
        CliRun set = run("config", "set", "--store", store(), "--prefix", "/atomic.io/network",
                config("{\"Network\":\"172.20.0.0/16\"}").toString());
        assertThat(set.code()).isZero();
        assertThat(set.out()).contains("/atomic.io/network/config");
        CliRun get = run("config", "get", "--store", store(), "--prefix", "/atomic.io/network");
        assertThat(get.out().strip()).isEqualTo("{\"Network\":\"172.20.0.0/16\"}");
    }

    @Test
    void configSet_badConfig_exits1_withOneMessage_andStoresNothing() throws Exception {
        CliRun r = run("config", "set", "--store", store(), config("{\"Network\":\"10.0.0.0/16\",\"SubnetLen\":33}").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("crossnet: error: invalid network config: SubnetLen: 33 is out of range: it must be at most 30");
        try (SqliteStore s = SqliteStore.open(dir.resolve("store.db"))) {
            assertThat(s.list("/").items()).isEmpty();
        }
    }

    @Test
    void configGet_whenUnset_saysHowToSetIt() {
        CliRun r = run("config", "get", "--store", store());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("no network config at /coreos.com/network/config").contains("crossnet config set");
    }

    @Test
    void leaseAcquireLsRelease_workAsScriptsExpect() throws Exception {
        run("config", "set", "--store", store(), config("{\"Network\":\"10.0.0.0/26\",\"SubnetLen\":28}").toString());
        CliRun a = run("lease", "acquire", "--store", store(), "--public-ip", "192.0.2.1");
        assertThat(a.code()).isZero();
        String subnet = a.out().strip();
        assertThat(subnet).matches("10\\.0\\.0\\.(16|32|48)/28");
        assertThat(run("lease", "acquire", "--store", store(), "--public-ip", "192.0.2.1").out().strip()).isEqualTo(subnet);
        assertThat(run("lease", "ls", "--store", store(), "--json").out()).contains("\"publicIP\" : \"192.0.2.1\"");
        assertThat(run("lease", "release", "--store", store(), subnet).code()).isZero();
        CliRun again = run("lease", "release", "--store", store(), subnet);
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err()).contains("no lease for " + subnet);
    }

    @Test
    void leaseAcquire_fullPool_namesThePool() throws Exception {
        run("config", "set", "--store", store(), config("{\"Network\":\"10.0.0.0/26\",\"SubnetLen\":28}").toString());
        for (int i = 1; i <= 3; i++) {
            assertThat(run("lease", "acquire", "--store", store(), "--public-ip", "192.0.2." + i).code()).isZero();
        }
        CliRun r = run("lease", "acquire", "--store", store(), "--public-ip", "192.0.2.4");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("crossnet: error: no free subnet in 10.0.0.0/26 for /28: 3 of 3 leased");
    }

    @Test
    void badArguments_nameTheArgument() {
        assertThat(run("lease", "acquire", "--store", store(), "--public-ip", "300.1.1.1").err())
                .contains("--public-ip: \"300.1.1.1\" is not an IPv4 address");
        assertThat(run("lease", "release", "--store", store(), "10.0.0.5/24").err())
                .contains("SUBNET: \"10.0.0.5/24\" has host bits set");
        assertThat(run("config", "get", "--store", "mysql://x").err())
                .contains("--store: \"mysql://x\" is not a store");
        CliRun usage = run("lease", "acquire", "--store", store());
        assertThat(usage.code()).isEqualTo(2);
        assertThat(usage.err()).contains("Missing required option: '--public-ip=IP'");
    }

    @Test
    void unwritableStoreDirectory_namesThePath() throws Exception {
        Path blocker = dir.resolve("file");
        Files.writeString(blocker, "x");
        CliRun r = run("config", "get", "--store", "file:" + blocker.resolve("store.db"));
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("cannot open store file:" + blocker.resolve("store.db"));
    }

    @Test
    void agentDnsListen_wildcardOrNotAnIpOrWithoutPlugin_exits1_namingTheFlag() {
        for (String[] args : new String[][] {
                {"agent", "--store", store(), "--docker-plugin", dir.resolve("p.sock").toString(), "--dns-listen", "0.0.0.0"},
                {"agent", "--store", store(), "--docker-plugin", dir.resolve("p.sock").toString(), "--dns-listen", "host.example"},
                {"agent", "--store", store(), "--dns-listen", "127.0.0.1"},
                {"agent", "--store", store(), "--docker-plugin", dir.resolve("p.sock").toString(), "--dns-listen", "127.0.0.1",
                        "--no-docker-dns"}}) {
            CliRun r = run(args);
            assertThat(r.code()).as(String.join(" ", args)).isEqualTo(1);
            assertThat(r.err()).as(String.join(" ", args)).contains("--dns-listen:").hasLineCount(1);
            assertThat(dir.resolve("store.db")).doesNotExist();
            assertThat(dir.resolve("p.sock")).doesNotExist();
        }
    }

    @Test
    void agentDashboardListen_bad_exits1_namingTheFlag_beforeOpeningTheStore() {
        for (String bad : new String[] {"8473", "localhost:8473", "127.0.0.1:0", "::1:8473", ""}) {
            CliRun r = run("agent", "--store", store(), "--dashboard-listen", bad);
            assertThat(r.code()).as(bad).isEqualTo(1);
            assertThat(r.err()).as(bad).startsWith("crossnet: error: --dashboard-listen:").hasLineCount(1);
            assertThat(dir.resolve("store.db")).doesNotExist();
        }
    }

    @Test
    void pluginServe_unknownPlugin_exits1_namingTheFlag_beforeOpeningAnything() {
        CliRun r = run("plugin", "serve", "--store", store(), "--socket", dir.resolve("p.sock").toString(), "--plugins", "authz,nope");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("--plugins: unknown plugin 'nope'; choose from ipam, authz").hasLineCount(1);
        assertThat(dir.resolve("store.db")).doesNotExist();
        assertThat(dir.resolve("p.sock")).doesNotExist();
    }
}

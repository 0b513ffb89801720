package dev.crossnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Bad input is rejected before anything is touched, so these need no root. */
class LabCommandTest {

    private static String[] run(String... args) {
        PrintStream err = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.run(args);
        } finally {
            System.setErr(err);
        }
        return new String[] {Integer.toString(code), buf.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void up_zeroHosts_failsNamingTheOption() {
        String[] r = run("lab", "up", "--name", "cnu0", "--hosts", "0");
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[1]).isEqualTo("crossnet: error: --hosts: 0 is out of range 1-200" + System.lineSeparator());
    }

    @Test
    void up_unknownBackendOrStore_failsNamingTheOption() {
        assertThat(run("lab", "up", "--backend", "udpx")[1]).contains("--backend: \"udpx\"");
        assertThat(run("lab", "up", "--store", "zk")[1]).contains("--store: \"zk\" is not embedded, etcd or cluster");
    }

    @Test
    void up_badName_failsNamingTheOption() {
        String[] r = run("lab", "up", "--name", "my-lab");
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[1]).contains("--name: \"my-lab\" is not a lab name");
    }

    @Test
    void up_badLeaseTtl_failsNamingTheFlag_andCreatesNothing() {
        String[] tooShort = run("lab", "up", "--name", "cnu1", "--subnet-lease-ttl", "1s");
        assertThat(tooShort[0]).isEqualTo("1");
        assertThat(tooShort[1]).endsWith("crossnet: error: --subnet-lease-ttl: 1000ms is too short; at least 2s"
                + " (agents renew at half the TTL)" + System.lineSeparator());
        String[] garbage = run("lab", "up", "--name", "cnu1", "--subnet-lease-ttl", "soon");
        assertThat(garbage[0]).isEqualTo("2");
        assertThat(garbage[1]).contains("--subnet-lease-ttl").contains("\"soon\" is not a duration");
        assertThat(java.nio.file.Path.of("/run/crossnet/lab/cnu1")).doesNotExist();
        assertThat(java.nio.file.Path.of("/var/run/netns/cnu1-ul")).doesNotExist();
    }

    @Test
    void bench_badPathsOrJoin_failNamingTheFlag() {
        assertThat(run("lab", "bench", "--paths", "underlay,wireguard")[1]).contains("--paths: \"wireguard\" is not one of");
        assertThat(run("lab", "bench", "--join", "0")[1]).contains("--join: 0 is out of range");
        assertThat(run("lab", "bench", "--seconds", "600")[1]).contains("--seconds: 600 is out of range 1-60");
        assertThat(run("lab", "bench", "--paths=", "--tunnels", "--name", "abcdefghijkl")[1])
                .contains("--name: \"abcdefghijkl\" is too long for the tunnel comparison");
    }

    @Test
    void exec_withoutCommand_isAUsageError() {
        assertThat(run("lab", "exec", "h1")[0]).isEqualTo("2");
    }
}

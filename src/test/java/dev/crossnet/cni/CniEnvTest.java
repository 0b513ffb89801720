package dev.crossnet.cni;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CniEnvTest {

    static Map<String, String> env(String command) {
        Map<String, String> e = new HashMap<>();
        e.put("CNI_COMMAND", command);
        e.put("CNI_CONTAINERID", "abc123");
        e.put("CNI_NETNS", "/var/run/netns/c1");
        e.put("CNI_IFNAME", "eth0");
        e.put("CNI_PATH", "/opt/cni/bin::/usr/lib/cni");
        e.put("CNI_ARGS", "IgnoreUnknown=1");
        return e;
    }

    @Test
    void parse_add_readsEveryVariable() throws CniError {
        CniEnv e = CniEnv.parse(env("ADD"));
        assertThat(e.command()).isEqualTo(CniEnv.Command.ADD);
        assertThat(e.containerId()).isEqualTo("abc123");
        assertThat(e.netns()).isEqualTo("/var/run/netns/c1");
        assertThat(e.ifname()).isEqualTo("eth0");
        assertThat(e.path()).containsExactly("/opt/cni/bin", "/usr/lib/cni");
        assertThat(e.args()).isEqualTo("IgnoreUnknown=1");
    }

    @Test
    void parse_delWithoutNetns_isAccepted() throws CniError {
        Map<String, String> m = env("DEL");
        m.remove("CNI_NETNS");
        assertThat(CniEnv.parse(m).netns()).isEmpty();
    }

    @Test
    void parse_versionAlone_needsNothingElse() throws CniError {
        assertThat(CniEnv.parse(Map.of("CNI_COMMAND", "VERSION")).path()).isEqualTo(List.of());
    }

    @Test
    void parse_gcNeedsOnlyCniPath_statusNothing() throws CniError {
        CniEnv gc = CniEnv.parse(Map.of("CNI_COMMAND", "GC", "CNI_PATH", "/usr/lib/cni"));
        assertThat(gc.path()).containsExactly("/usr/lib/cni");
        assertThat(gc.containerId()).isEmpty();
        assertThatThrownBy(() -> CniEnv.parse(Map.of("CNI_COMMAND", "GC")))
                .isInstanceOfSatisfying(CniError.class, e -> assertThat(e.getMessage()).isEqualTo("CNI_PATH is missing"));
        assertThat(CniEnv.parse(Map.of("CNI_COMMAND", "STATUS")).path()).isEmpty();
        assertThat(CniEnv.parse(Map.of("CNI_COMMAND", "STATUS", "CNI_PATH", "/a:/b")).path()).containsExactly("/a", "/b");
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
        "CNI_COMMAND     |            | CNI_COMMAND is missing",
        "CNI_COMMAND     | FROB       | CNI_COMMAND=FROB is not supported",
        "CNI_CONTAINERID |            | CNI_CONTAINERID is missing",
        "CNI_CONTAINERID | ../etc     | CNI_CONTAINERID=../etc is not a container id",
        "CNI_NETNS       |            | CNI_NETNS is missing",
        "CNI_IFNAME      |            | CNI_IFNAME is missing",
        "CNI_IFNAME      | a/b        | CNI_IFNAME=a/b is not an interface name",
        "CNI_IFNAME      | abcdefghijklmnop | CNI_IFNAME=abcdefghijklmnop is not an interface name",
        "CNI_PATH        |            | CNI_PATH is missing",
    })
    void parse_badVariable_failsWithCode4NamingIt(String name, String value, String message) {
        Map<String, String> m = env("ADD");
        if (value == null) {
            m.remove(name);
        } else {
            m.put(name, value);
        }
        assertThatThrownBy(() -> CniEnv.parse(m)).isInstanceOfSatisfying(CniError.class, e -> {
            assertThat(e.code()).isEqualTo(CniError.INVALID_ENVIRONMENT);
            assertThat(e.getMessage()).contains(message);
        });
    }
}

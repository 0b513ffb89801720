package dev.crossnet.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crossnet.CrossnetException;
import java.net.InetSocketAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class DashboardListenTest {
    @Test
    void parse_ipv4AndPort_address() {
        InetSocketAddress a = DashboardListen.parse("127.0.0.1:8473").orElseThrow();
        assertThat(a.getAddress().getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(a.getPort()).isEqualTo(8473);
        assertThat(DashboardListen.text(a)).isEqualTo("127.0.0.1:8473");
    }

    @Test
    void parse_bracketedIpv6_address() {
        InetSocketAddress a = DashboardListen.parse("[::1]:9000").orElseThrow();
        assertThat(a.getAddress().isLoopbackAddress()).isTrue();
        assertThat(DashboardListen.text(a)).isEqualTo("[0:0:0:0:0:0:0:1]:9000");
    }

    @Test
    void parse_off_empty() {
        assertThat(DashboardListen.parse("off")).isEmpty();
        assertThat(DashboardListen.parse("OFF")).isEmpty();
    }

    @Test
    void parse_defaultIsLoopback() {
        assertThat(DashboardListen.parse(DashboardListen.DEFAULT).orElseThrow().getAddress().isLoopbackAddress()).isTrue();
    }

    @Test
    void parse_wildcardWrittenOut_taken() {
        assertThat(DashboardListen.parse("0.0.0.0:8473").orElseThrow().getAddress().isAnyLocalAddress()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "8473", ":8473", "127.0.0.1", "127.0.0.1:", "localhost:8473", "10.0.0.0/8:80",
            "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:http", "::1:8473", "300.1.1.1:80", "on"})
    void parse_bad_oneErrorNamingTheFlag(String value) {
        assertThatThrownBy(() -> DashboardListen.parse(value))
                .isInstanceOf(CrossnetException.class)
                .hasMessageStartingWith("--dashboard-listen: ");
    }

    @Test
    void parse_badPort_saysWhy() {
        assertThatThrownBy(() -> DashboardListen.parse("127.0.0.1:70000"))
                .hasMessage("--dashboard-listen: '127.0.0.1:70000': port 70000 is out of range 1-65535");
        assertThatThrownBy(() -> DashboardListen.parse("example.org:80"))
                .hasMessageContaining("'example.org' is not an IP address");
    }
}

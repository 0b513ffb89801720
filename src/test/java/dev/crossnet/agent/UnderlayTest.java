package dev.crossnet.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crossnet.backend.HostContext;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class UnderlayTest {
    static final String IP_J_ADDR = "[{\"ifindex\":1,\"ifname\":\"lo\",\"mtu\":65536,\"addr_info\":[{\"family\":\"inet\",\"local\":\"127.0.0.1\",\"prefixlen\":8}]},"
            + "{\"ifindex\":2,\"ifname\":\"eth0\",\"mtu\":1500,\"addr_info\":[{\"family\":\"inet\",\"local\":\"172.30.0.11\",\"prefixlen\":24},"
            + "{\"family\":\"inet6\",\"local\":\"fe80::1\",\"prefixlen\":64}]},"
            + "{\"ifindex\":3,\"ifname\":\"eth1\",\"mtu\":9000,\"addr_info\":[{\"family\":\"inet\",\"local\":\"192.168.7.2\",\"prefixlen\":16}]}]";

    final List<Underlay.IfaceAddr> addrs;

    UnderlayTest() throws Exception {
        addrs = Underlay.parseAddrs(IP_J_ADDR);
    }

    @Test
    void byName_usesTheInterfaceAddressAndOnLinkSubnet() {
        HostContext h = Underlay.resolve("eth1", null, Path.of("/s"), addrs, "eth0");
        assertThat(h.iface()).isEqualTo("eth1");
        assertThat(h.ifaceIndex()).isEqualTo(3);
        assertThat(h.publicIp().toString()).isEqualTo("192.168.7.2");
        assertThat(h.ifaceSubnet().toString()).isEqualTo("192.168.0.0/16");
        assertThat(h.ifaceMtu()).isEqualTo(9000);
    }

    @Test
    void byAddress_orPublicIp_orDefaultRoute() {
        assertThat(Underlay.resolve("192.168.7.2", null, null, addrs, "eth0").iface()).isEqualTo("eth1");
        assertThat(Underlay.resolve(null, "192.168.7.2", null, addrs, "eth0").iface()).isEqualTo("eth1");
        assertThat(Underlay.resolve(null, null, null, addrs, "eth0").publicIp().toString()).isEqualTo("172.30.0.11");
    }

    @Test
    void unknownIface_namesTheFlagAndListsWhatExists() {
        assertThatThrownBy(() -> Underlay.resolve("eth9", null, null, addrs, "eth0"))
                .hasMessageStartingWith("--iface: no interface eth9 with an IPv4 address on this host")
                .hasMessageContaining("eth0 172.30.0.11");
    }

    @Test
    void publicIpNotOnThisHost_isRefused() {
        assertThatThrownBy(() -> Underlay.resolve(null, "203.0.113.9", null, addrs, "eth0"))
                .hasMessage("--public-ip: 203.0.113.9 is not an address of this host");
        assertThatThrownBy(() -> Underlay.resolve("eth0", "203.0.113.9", null, addrs, "eth0"))
                .hasMessage("--public-ip: 203.0.113.9 is not an address of this host");
        assertThatThrownBy(() -> Underlay.resolve(null, "not-an-ip", null, addrs, "eth0"))
                .hasMessage("--public-ip: \"not-an-ip\" is not an IPv4 address");
    }

    @Test
    void noDefaultRoute_andNoFlags_saysSo() {
        assertThatThrownBy(() -> Underlay.resolve(null, null, null, addrs, null))
                .hasMessageStartingWith("--iface: not given, and this host has no default route");
    }
}

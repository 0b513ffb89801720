package dev.crossnet.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crossnet.model.Subnet;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import org.junit.jupiter.api.Test;

/** Route, Neighbour and FdbEntry hold addresses and MACs as numbers: they read back and compare as given. */
class KernelRecordsTest {

    static IPAddress ip(String s) {
        return new IPAddressString(s).getAddress();
    }

    @Test
    void route_readsBackAndComparesByAllFields() {
        Route r = new Route(Subnet.parse("10.5.2.0/24"), ip("10.5.2.0/32"), "crossnet.1", true);
        assertThat(r.via()).isEqualTo(ip("10.5.2.0"));
        assertThat(r.via().isPrefixed()).isFalse();
        assertThat(r.toString()).isEqualTo("10.5.2.0/24 via 10.5.2.0 dev crossnet.1 onlink");
        assertThat(r).isEqualTo(new Route(Subnet.parse("10.5.2.0/24"), ip("10.5.2.0"), new String("crossnet.1"), true))
                .hasSameHashCodeAs(new Route(Subnet.parse("10.5.2.0/24"), ip("10.5.2.0"), "crossnet.1", true));
        assertThat(r).isNotEqualTo(new Route(Subnet.parse("10.5.2.0/24"), ip("10.5.2.1"), "crossnet.1", true))
                .isNotEqualTo(new Route(Subnet.parse("10.5.2.0/24"), ip("10.5.2.0"), "crossnet.1", false))
                .isNotEqualTo(new Route(Subnet.parse("10.5.3.0/24"), ip("10.5.2.0"), "crossnet.1", true));
        Route v6 = new Route(Subnet.parse("2001:db8:1::/64"), ip("fe80::1"), "eth0", false);
        assertThat(v6.via()).isEqualTo(ip("fe80::1"));
        assertThat(v6.toString()).isEqualTo("2001:db8:1::/64 via fe80::1 dev eth0");
        assertThatThrownBy(() -> new Route(Subnet.parse("10.5.2.0/24"), null, "crossnet.1", true)).hasMessageContaining("route via");
    }

    @Test
    void neighbour_andFdbEntry_keepTheMacLowerCase_andTheAddressWithoutPrefix() {
        Neighbour n = new Neighbour(ip("10.5.2.0/32"), "0A:11:22:33:44:FF", "crossnet.1");
        assertThat(n.mac()).isEqualTo("0a:11:22:33:44:ff");
        assertThat(n.ip()).isEqualTo(ip("10.5.2.0"));
        assertThat(n.toString()).isEqualTo("10.5.2.0 lladdr 0a:11:22:33:44:ff dev crossnet.1");
        assertThat(n).isEqualTo(new Neighbour(ip("10.5.2.0"), "0a:11:22:33:44:ff", "crossnet.1")).hasSameHashCodeAs(
                new Neighbour(ip("10.5.2.0"), "0a:11:22:33:44:ff", "crossnet.1"));
        assertThat(n).isNotEqualTo(new Neighbour(ip("10.5.2.0"), "0a:11:22:33:44:fe", "crossnet.1"));

        FdbEntry e = new FdbEntry("FF:00:00:00:00:01", ip("192.168.1.3"), "crossnet.1");
        assertThat(e.mac()).isEqualTo("ff:00:00:00:00:01");
        assertThat(e.dst()).isEqualTo(ip("192.168.1.3"));
        assertThat(e.toString()).isEqualTo("ff:00:00:00:00:01 dev crossnet.1 dst 192.168.1.3");
        assertThat(e).isEqualTo(new FdbEntry("ff:00:00:00:00:01", ip("192.168.1.3"), "crossnet.1"))
                .isNotEqualTo(new FdbEntry("ff:00:00:00:00:01", ip("192.168.1.4"), "crossnet.1"))
                .isNotEqualTo(new FdbEntry("ff:00:00:00:00:01", ip("192.168.1.3"), "crossnet.2"));
        assertThat(new FdbEntry("00:00:00:00:00:00", ip("::1"), "vx").dst()).isEqualTo(ip("::1"));
        assertThatThrownBy(() -> new FdbEntry("zz", ip("192.168.1.3"), "crossnet.1")).hasMessageContaining("fdb mac");
    }
}

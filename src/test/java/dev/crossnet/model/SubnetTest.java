package dev.crossnet.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import inet.ipaddr.ipv4.IPv4Address;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Subnet answers on its numbers what ipaddress answers on the blocks (the reference here). */
class SubnetTest {

    static IPAddress ip(String s) {
        return new IPAddressString(s).getAddress();
    }

    static List<Subnet> randomIpv4(long seed, int n) {
        Random r = new Random(seed);
        List<Subnet> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int prefix = r.nextInt(33);
            // Few distinct top bits, so that blocks often nest and collide.
            int bits = r.nextInt(4) << 30 | r.nextInt(4) << 22 | r.nextInt(256);
            out.add(Subnet.of(new IPv4Address(bits), prefix));
        }
        return out;
    }

    @Test
    void ipv4_equalityOrderAndContainment_areTheBlocks() {
        List<Subnet> subnets = randomIpv4(11, 120);
        for (Subnet a : subnets) {
            assertThat(Subnet.parse(a.toString())).isEqualTo(a).hasSameHashCodeAs(a);
            assertThat(Subnet.fromKey(a.key())).isEqualTo(a);
            assertThat(a.toString()).isEqualTo(a.block().toCanonicalString());
            for (Subnet b : subnets) {
                assertThat(a.equals(b)).as("%s equals %s", a, b).isEqualTo(a.block().equals(b.block()));
                assertThat(Integer.signum(a.compareTo(b))).as("%s vs %s", a, b)
                        .isEqualTo(Integer.signum(a.block().compareTo(b.block())));
                assertThat(a.contains(b)).as("%s contains %s", a, b).isEqualTo(a.block().contains(b.block()));
                assertThat(a.overlaps(b)).isEqualTo(a.block().contains(b.block()) || b.block().contains(a.block()));
                IPAddress host = b.address(b.prefixLength() == 32 ? 0 : 1);
                assertThat(a.contains(host)).as("%s contains %s", a, host).isEqualTo(a.block().contains(host));
            }
        }
    }

    @Test
    void ipv4_accessors() {
        Subnet s = Subnet.parse("10.5.34.0/24");
        assertThat(s.network()).isEqualTo(ip("10.5.34.0"));
        assertThat(s.gateway()).isEqualTo(ip("10.5.34.1"));
        assertThat(s.address(255)).isEqualTo(ip("10.5.34.255"));
        assertThat(s.gatewayCidr()).isEqualTo("10.5.34.1/24");
        assertThat(s.key()).isEqualTo("10.5.34.0-24");
        assertThat(s.isIpv4()).isTrue();
        assertThat(s.bitCount()).isEqualTo(32);
        assertThat(s.block().isPrefixBlock()).isTrue();
        assertThat(s.contains(ip("10.5.34.7/24"))).isTrue();
        assertThat(s.contains(ip("10.5.0.0/16"))).isFalse();
        assertThat(s.contains(ip("::1"))).isFalse();
        assertThat(Subnet.parse("0.0.0.0/0").contains(ip("255.255.255.255"))).isTrue();
        assertThat(Subnet.parse("200.1.2.0/24").compareTo(Subnet.parse("10.1.2.0/24"))).isPositive();
    }

    @Test
    void ipv6_keepsItsBlock_upToSlash128() {
        Subnet s = Subnet.parse("2001:db8::/64");
        Subnet host = Subnet.parse("2001:db8::5/128");
        assertThat(s.isIpv4()).isFalse();
        assertThat(s.prefixLength()).isEqualTo(64);
        assertThat(host.prefixLength()).isEqualTo(128);
        assertThat(s.bitCount()).isEqualTo(128);
        assertThat(s.toString()).isEqualTo("2001:db8::/64");
        assertThat(host.toString()).isEqualTo("2001:db8::5/128");
        assertThat(s.contains(host)).isTrue();
        assertThat(host.contains(s)).isFalse();
        assertThat(s.contains(ip("2001:db8::9"))).isTrue();
        assertThat(s.gateway()).isEqualTo(ip("2001:db8::1"));
        assertThat(Subnet.parse("2001:db8:0::/64")).isEqualTo(s).hasSameHashCodeAs(s);
        assertThat(Subnet.parse("10.0.0.0/8").compareTo(s)).isNegative();
        assertThat(s.contains(Subnet.parse("10.0.0.0/8"))).isFalse();
        assertThat(Subnet.parse("10.0.0.0/8").overlaps(s)).isFalse();
    }

    @Test
    void badInput_isRefusedWithTheTextQuoted() {
        assertThatThrownBy(() -> Subnet.parse("10.5.34.1/24")).hasMessageContaining("host bits").hasMessageContaining("10.5.34.0/24");
        assertThatThrownBy(() -> Subnet.parse("10.5.34.0")).hasMessageContaining("/prefix");
        assertThatThrownBy(() -> Subnet.parse("banana/24")).hasMessageContaining("banana");
        assertThatThrownBy(() -> new Subnet(ip("10.5.34.1/24"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Subnet(null)).isInstanceOf(IllegalArgumentException.class);
    }
}

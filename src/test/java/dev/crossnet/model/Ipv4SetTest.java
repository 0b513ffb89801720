package dev.crossnet.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class Ipv4SetTest {

    static IPAddress ip(String s) {
        return new IPAddressString(s).getAddress();
    }

    @Test
    void iteratesInAddressOrder_withoutDuplicates_likeATreeSet() {
        Random r = new Random(7);
        List<IPAddress> ips = new java.util.ArrayList<>();
        for (int i = 0; i < 500; i++) {
            ips.add(Addresses.ipv4(r.nextInt(64) << 26 | r.nextInt(4))); // both halves of the address space, repeats
        }
        ips.add(ip("255.255.255.255"));
        ips.add(ip("0.0.0.0"));
        Ipv4Set set = Ipv4Set.of(ips);
        TreeSet<IPAddress> reference = new TreeSet<>(ips);
        assertThat(set).containsExactlyElementsOf(reference);
        assertThat(set).hasSize(reference.size());
        assertThat(set).isEqualTo(reference);
        assertThat(set.hashCode()).isEqualTo(reference.hashCode());
    }

    @Test
    void contains_oneIpv4Address_withOrWithoutPrefix() {
        Ipv4Set set = Ipv4Set.of(List.of(ip("10.0.0.1"), ip("192.168.1.2")));
        assertThat(set.contains(ip("192.168.1.2"))).isTrue();
        assertThat(set.contains(ip("10.0.0.1/32"))).isTrue();
        assertThat(set.contains(ip("10.0.0.2"))).isFalse();
        assertThat(set.contains(ip("10.0.0.0/24"))).isFalse();
        assertThat(set.contains(ip("::1"))).isFalse();
        assertThat(set.contains("10.0.0.1")).isFalse();
    }

    @Test
    void of_refusesWhatIsNotOneIpv4Address() {
        assertThatThrownBy(() -> Ipv4Set.of(List.of(ip("10.0.0.0/24")))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("10.0.0.0/24");
        assertThatThrownBy(() -> Ipv4Set.of(List.of(ip("::1")))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void isImmutable() {
        Ipv4Set set = Ipv4Set.of(List.of(ip("10.0.0.1")));
        assertThatThrownBy(() -> set.add(ip("10.0.0.2"))).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> set.iterator().remove()).isInstanceOf(UnsupportedOperationException.class);
    }
}

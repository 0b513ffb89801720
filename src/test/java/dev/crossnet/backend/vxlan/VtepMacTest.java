package dev.crossnet.backend.vxlan;

import static org.assertj.core.api.Assertions.assertThat;

import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VtepMacTest {

    private static IPAddress ip(String s) {
        return new IPAddressString(s).getAddress();
    }

    /**
     * Worked out by hand from the documented derivation, e.g. for 10.0.0.2 and VNI 1:
     * {@code printf 'crossnet-vtep/10.0.0.2/1' | sha256sum} starts {@code 710a6c9d923d}; the first
     * octet 0x71 loses its group bit and gains the local bit: 0x72. The rows cover each case of the
     * first octet: both bits to fix (0x71, 0xf5), only the group bit (0x83, 0x27), neither (0x6a, 0x92).
     * A change to the derivation changes every host's VTEP MAC on upgrade (flannel #533), so these
     * values must not change.
     */
    @ParameterizedTest(name = "{0} VNI {1} -> {2}")
    @CsvSource({
        "10.0.0.2,     1,  72:0a:6c:9d:92:3d",
        "172.30.0.11,  42, f6:77:03:59:1a:3d",
        "192.168.9.2,  1,  82:64:db:d7:70:96",
        "192.168.9.2,  2,  26:2d:3a:5b:e9:43",
        "192.168.9.3,  1,  6a:75:60:ef:c7:36",
        "10.0.0.1,     1,  92:32:50:2b:a9:e3"})
    void derive_knownVectors_sha256OfIpAndVniWithTheTwoBitsSet(String publicIp, int vni, String mac) {
        assertThat(VtepMac.derive(ip(publicIp), vni)).isEqualTo(mac);
    }

    @Test
    void derive_equalAddressesParsedSeparately_sameMac_prefixLengthIgnored() {
        String first = VtepMac.derive(ip("192.168.9.2"), 1);
        assertThat(VtepMac.derive(ip("192.168.9.2"), 1)).isEqualTo(first);
        assertThat(VtepMac.derive(ip("192.168.9.2/24"), 1)).isEqualTo(first);
    }

    @Test
    void derive_manyHostsAndVnis_allLocallyAdministeredUnicastAndDistinct() {
        Set<String> seen = new HashSet<>();
        for (int i = 1; i < 255; i++) {
            for (int vni = 1; vni <= 3; vni++) {
                String mac = VtepMac.derive(ip("10.0.0." + i), vni);
                assertThat(mac).matches("[0-9a-f]{2}(:[0-9a-f]{2}){5}");
                int first = Integer.parseInt(mac.substring(0, 2), 16);
                assertThat(first & 0x01).as("group bit of %s", mac).isZero();
                assertThat(first & 0x02).as("locally administered bit of %s", mac).isEqualTo(2);
                seen.add(mac);
            }
        }
        assertThat(seen).as("one MAC per (IP, VNI)").hasSize(254 * 3);
    }
}

package dev.crossnet.model;

import static org.assertj.core.api.Assertions.assertThat;

import inet.ipaddr.IPAddressString;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AddressesTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "255.255.255.255 | is the limited broadcast address (in 255.255.255.255/32), not a unicast address",
        "224.0.0.1       | is multicast (in 224.0.0.0/4), not a unicast address",
        "239.1.2.3       | is multicast (in 224.0.0.0/4)",
        "127.0.0.1       | is loopback (in 127.0.0.0/8)",
        "0.0.0.0         | (in 0.0.0.0/8)",
        "fd00::1         | is not an IPv4 address",
    })
    void notUnicastIpv4_specialAddresses_sayWhich(String ip, String expected) {
        assertThat(Addresses.notUnicastIpv4(new IPAddressString(ip).getAddress())).contains(expected);
    }

    @ParameterizedTest
    @CsvSource({"172.30.0.12", "10.0.0.1", "169.254.10.1", "223.255.255.254", "240.0.0.1"})
    void notUnicastIpv4_hostAddresses_null(String ip) {
        assertThat(Addresses.notUnicastIpv4(new IPAddressString(ip).getAddress())).isNull();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "01:00:5e:00:00:01 | is a multicast MAC (the first octet's low bit is set)",
        "ff:ff:ff:ff:ff:ff | is a multicast MAC",
        "03:00:00:00:00:01 | is a multicast MAC",
        "00:00:00:00:00:00 | is all zeros",
        "not-a-mac         | \"not-a-mac\" is not a MAC address",
        "0a:00:00:00:00    | is not a MAC address",
        "''                | is missing",
    })
    void notUnicastMac_bad_saysWhy(String mac, String expected) {
        assertThat(Addresses.notUnicastMac(mac)).contains(expected);
    }

    @ParameterizedTest
    @CsvSource({"0a:00:00:00:00:0a", "02:42:C0:A8:64:02", "00:00:00:00:00:01", "fe:ff:ff:ff:ff:ff"})
    void notUnicastMac_unicast_null(String mac) {
        assertThat(Addresses.notUnicastMac(mac)).isNull();
    }
}

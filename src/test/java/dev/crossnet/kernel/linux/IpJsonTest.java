package dev.crossnet.kernel.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crossnet.CrossnetException;
import dev.crossnet.kernel.DeviceRoute;
import dev.crossnet.kernel.FdbEntry;
import dev.crossnet.kernel.Link;
import dev.crossnet.kernel.Neighbour;
import dev.crossnet.kernel.Route;
import dev.crossnet.model.Subnet;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Against output captured from iproute2 6.1 (Debian 12), in src/test/resources/iproute2. */
class IpJsonTest {

    private static String sample(String name) throws IOException {
        try (InputStream in = IpJsonTest.class.getResourceAsStream("/iproute2/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static IPAddress ip(String s) {
        return new IPAddressString(s).getAddress();
    }

    @Test
    void links_vxlanDevice_readsVxlanParametersMacMtuAndAddresses() throws IOException {
        Link l = IpJson.links(sample("addr-show-vxlan.json")).get(0);

        assertThat(l.name()).isEqualTo("crossnet.1");
        assertThat(l.kind()).isEqualTo("vxlan");
        assertThat(l.mac()).isEqualTo("0a:00:00:00:00:01");
        assertThat(l.mtu()).isEqualTo(1450);
        assertThat(l.up()).isTrue();
        assertThat(l.vxlan()).isEqualTo(new Link.VxlanInfo(1, 8472, ip("192.168.9.2"), "cnkd0", false));
        assertThat(l.addresses()).contains(ip("10.5.1.0/32"));
    }

    @Test
    void links_veth_hasNoVxlanPart() throws IOException {
        Link l = IpJson.links(sample("addr-show-veth.json")).get(0);

        assertThat(l.kind()).isEqualTo("veth");
        assertThat(l.vxlan()).isNull();
        assertThat(l.addresses()).containsExactly(ip("192.168.9.2/24"));
    }

    @Test
    void routes_protoFilteredListing_readsGatewayDeviceAndOnlink() throws IOException {
        assertThat(IpJson.routes(sample("route-show-proto152.json"))).containsExactly(
                new Route(Subnet.parse("10.5.2.0/24"), ip("10.5.2.0"), "crossnet.1", true),
                new Route(Subnet.parse("10.5.3.0/24"), ip("10.5.3.0"), "crossnet.1", true),
                new Route(Subnet.parse("10.5.9.0/24"), ip("192.168.9.7"), "cnkd0", false));
    }

    @Test
    void routes_hostRouteDefaultAndDeviceRoute_hostRouteGetsSlash32OthersSkipped() {
        String json = "[{\"dst\":\"10.5.2.7\",\"gateway\":\"10.5.2.0\",\"dev\":\"x0\",\"flags\":[]},"
                + "{\"dst\":\"default\",\"gateway\":\"192.168.9.1\",\"dev\":\"x0\",\"flags\":[]},"
                + "{\"dst\":\"10.5.0.0/16\",\"dev\":\"x0\",\"scope\":\"link\",\"flags\":[]}]";

        assertThat(IpJson.routes(json)).containsExactly(
                new Route(Subnet.parse("10.5.2.7/32"), ip("10.5.2.0"), "x0", false));
    }

    @Test
    void neighbours_permanentListing_fillsInTheDevice() throws IOException {
        assertThat(IpJson.neighbours(sample("neigh-show-permanent.json"), "crossnet.1")).containsExactly(
                new Neighbour(ip("10.5.2.0"), "0a:11:00:00:00:02", "crossnet.1"),
                new Neighbour(ip("10.5.3.0"), "0a:11:00:00:00:03", "crossnet.1"));
    }

    @Test
    void neighbours_nonPermanent_skipped() {
        String json = "[{\"dst\":\"10.5.4.0\",\"lladdr\":\"0a:11:00:00:00:04\",\"state\":[\"REACHABLE\"]}]";

        assertThat(IpJson.neighbours(json, "crossnet.1")).isEmpty();
    }

    @Test
    void fdb_vxlanDevice_skipsAllZerosFloodingEntry() throws IOException {
        assertThat(IpJson.fdb(sample("fdb-show.json"), "crossnet.1")).containsExactlyInAnyOrder(
                new FdbEntry("0a:11:00:00:00:02", ip("192.168.9.3"), "crossnet.1"),
                new FdbEntry("0a:11:00:00:00:03", ip("192.168.9.4"), "crossnet.1"));
    }

    @Test
    void anyParser_emptyOutput_isEmptyList() {
        assertThat(IpJson.routes("")).isEmpty();
        assertThat(IpJson.fdb("\n", "x")).isEmpty();
    }

    @Test
    void anyParser_garbage_failsNamingTheCommand() {
        assertThatThrownBy(() -> IpJson.routes("{oops"))
                .isInstanceOf(CrossnetException.class)
                .hasMessageContaining("ip -j route show");
    }

    @Test
    void dottedQuad_agreesWithTheGeneralParser() {
        java.util.Random r = new java.util.Random(42);
        for (int i = 0; i < 20_000; i++) {
            String s = i % 2 == 0
                    ? r.nextInt(300) + "." + r.nextInt(300) + "." + r.nextInt(300) + "." + r.nextInt(300)
                    : randomText(r);
            long fast = IpJson.dottedQuad(s);
            IPAddress slow = new IPAddressString(s,
                    new inet.ipaddr.IPAddressStringParameters.Builder().allowIPv6(false).allowPrefix(false)
                            .allowMask(false).allowEmpty(false).allowSingleSegment(false)
                            .getIPv4AddressParametersBuilder().allow_inet_aton(false).allowLeadingZeros(false)
                            .getParentBuilder().toParams()).getAddress();
            if (slow == null) {
                assertThat(fast).as(s).isEqualTo(-1);
            } else {
                assertThat(fast).as(s).isEqualTo(slow.getValue().longValue());
            }
        }
    }

    @Test
    void address_prefixedQuad_keepsPrefix() {
        assertThat(IpJson.address("10.5.1.0/32")).isEqualTo(ip("10.5.1.0/32"));
        assertThat(IpJson.address("fe80::1")).isEqualTo(ip("fe80::1"));
        assertThat(IpJson.address("10.5.1.0/33")).isNull();
    }

    private static String randomText(java.util.Random r) {
        String alphabet = "0123456789..";
        StringBuilder b = new StringBuilder();
        int len = 1 + r.nextInt(16);
        for (int i = 0; i < len; i++) {
            b.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    @Test
    void hasDeviceRoute_onlyTheExactDeviceSourceAndProtocol() {
        DeviceRoute want = new DeviceRoute(Subnet.parse("10.5.0.0/16"), "crossnet0", ip("10.5.1.0"));
        String ours = "[{\"dst\":\"10.5.0.0/16\",\"dev\":\"crossnet0\",\"protocol\":\"152\",\"scope\":\"link\","
                + "\"prefsrc\":\"10.5.1.0\",\"flags\":[\"linkdown\"]}]";

        assertThat(IpJson.hasDeviceRoute(ours, want)).isTrue();
        assertThat(IpJson.hasDeviceRoute(ours.replace("10.5.1.0", "10.5.2.0"), want)).as("another source").isFalse();
        assertThat(IpJson.hasDeviceRoute(ours.replace("\"152\"", "\"boot\""), want)).as("not crossnet's").isFalse();
        assertThat(IpJson.hasDeviceRoute(ours.replace("\"dev\"", "\"gateway\":\"10.5.9.9\",\"dev\""), want))
                .as("via a gateway").isFalse();
        assertThat(IpJson.hasDeviceRoute("", want)).isFalse();
    }
}

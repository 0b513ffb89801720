package dev.crossnet.kernel.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * The rtnetlink codec and the table readers, on replies captured from Linux 6.18 (src/test/resources/rtnetlink,
 * hex; a namespace with eth0 = ifindex 3, crossnet.1 = ifindex 4, see the README there) and on constructed messages.
 */
class RtnlTest {

    private static final IntFunction<String> NAMES = i -> i == 3 ? "eth0" : i == 4 ? "crossnet.1" : "if" + i;

    static ByteBuffer captured(String name) throws IOException {
        try (InputStream in = RtnlTest.class.getResourceAsStream("/rtnetlink/" + name + ".hex")) {
            String hex = new String(in.readAllBytes(), StandardCharsets.US_ASCII).replaceAll("\\s", "");
            byte[] b = new byte[hex.length() / 2];
            for (int i = 0; i < b.length; i++) {
                b[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
            }
            return ByteBuffer.wrap(b).order(ByteOrder.nativeOrder());
        }
    }

    private static IPAddress ip(String s) {
        return new IPAddressString(s).getAddress();
    }

    /** Messages one after another, as one reply. */
    private static ByteBuffer reply(ByteBuffer... messages) {
        ByteBuffer out = ByteBuffer.allocate(4096).order(ByteOrder.nativeOrder());
        for (ByteBuffer m : messages) {
            out.put(m);
            out.position(Rtnl.align(out.position()));
        }
        return out.flip();
    }

    /** An RTM_NEWNEIGH for IPv4 neighbour {@code ip} on ifindex 4 with the kernel's timers. */
    private static ByteBuffer neighbour(int lastOctet, int macLast, int state, int used) {
        return new Rtnl.Request(Rtnl.RTM_NEWNEIGH, Rtnl.NLM_F_MULTI, Rtnl.NDMSG_LEN)
                .headerByte(0, Rtnl.AF_INET).headerInt(4, 4).headerByte(8, state)
                .attr(Rtnl.NDA_DST, new byte[] {10, 5, (byte) lastOctet, 0})
                .attr(Rtnl.NDA_LLADDR, new byte[] {0x0a, 0, 0, 0, 0, (byte) macLast})
                .attr(3 /* NDA_CACHEINFO */, ByteBuffer.allocate(16).order(ByteOrder.nativeOrder()).putInt(used).array())
                .done(7);
    }

    @Test
    void routes_capturedDump_onlyCrossnetsGatewayRoutesInMain() throws IOException {
        List<Route> routes = RtnlRoutes.decode(RtnlRoutes.owned(captured("routes"), NAMES));

        // Left out: the default route, the device route 10.5.0.0/16, 10.5.4.0/24 (protocol boot), the kernel's
        // connected route and the local table.
        assertThat(routes).containsExactly(
                new Route(Subnet.parse("10.5.2.0/24"), ip("10.5.2.0"), "crossnet.1", true),
                new Route(Subnet.parse("10.5.3.0/24"), ip("192.168.77.3"), "eth0", false));
    }

    @Test
    void deviceRoute_capturedDump_foundOnlyWithItsDeviceAndSource() throws IOException {
        ByteBuffer dump = captured("routes");
        Subnet net = Subnet.parse("10.5.0.0/16");

        assertThat(RtnlRoutes.hasDeviceRoute(dump, new DeviceRoute(net, "eth0", ip("192.168.77.1")), NAMES)).isTrue();
        assertThat(RtnlRoutes.hasDeviceRoute(dump, new DeviceRoute(net, "eth0", ip("192.168.77.2")), NAMES)).isFalse();
        assertThat(RtnlRoutes.hasDeviceRoute(dump, new DeviceRoute(net, "cnt0", ip("192.168.77.1")), NAMES)).isFalse();
        assertThat(RtnlRoutes.hasDeviceRoute(dump, new DeviceRoute(Subnet.parse("10.5.0.0/17"), "eth0",
                ip("192.168.77.1")), NAMES)).isFalse();
    }

    @Test
    void neighbours_capturedDump_permanentOnes() throws IOException {
        List<Neighbour> n = RtnlNeighbours.decodeNeighbours(RtnlNeighbours.permanentNeighbours(captured("neighbours"), 4),
                "crossnet.1");

        // 10.5.3.0 is REACHABLE, not permanent.
        assertThat(n).containsExactly(new Neighbour(ip("10.5.2.0"), "0a:00:00:00:00:02", "crossnet.1"),
                new Neighbour(ip("10.5.5.0"), "0a:00:00:00:00:05", "crossnet.1"));
        assertThat(RtnlNeighbours.permanentNeighbours(captured("neighbours"), 5).hasRemaining())
                .as("another device's").isFalse();
    }

    @Test
    void fdb_capturedDump_unicastEntriesWithADestination_notTheFloodingEntry() throws IOException {
        List<FdbEntry> f = RtnlNeighbours.decodeFdb(RtnlNeighbours.permanentFdb(captured("fdb"), 4), "crossnet.1");

        assertThat(f).containsExactly(new FdbEntry("0a:00:00:00:00:05", ip("192.168.77.5"), "crossnet.1"),
                new FdbEntry("0a:00:00:00:00:02", ip("192.168.77.2"), "crossnet.1"));
    }

    @Test
    void link_capturedVxlan_allItsParametersAndAddresses() throws IOException {
        Link l = RtnlLinks.link(captured("link-vxlan"), captured("addresses"), NAMES);

        assertThat(l).isEqualTo(new Link("crossnet.1", 4, "vxlan", "0a:11:22:33:44:55", 1450, true,
                new Link.VxlanInfo(1, 8472, ip("192.168.77.1"), "eth0", false),
                List.of(ip("10.5.1.0/32"), ip("fe80::811:22ff:fe33:4455/64"))));
        assertThat(RtnlLinks.index(captured("link-vxlan"))).isEqualTo(4);
        assertThat(RtnlLinks.name(captured("link-vxlan"))).isEqualTo("crossnet.1");
    }

    @Test
    void link_capturedVeth_noVxlanPart() throws IOException {
        Link l = RtnlLinks.link(captured("link-veth"), captured("addresses"), NAMES);

        assertThat(l.name()).isEqualTo("eth0");
        assertThat(l.kind()).isEqualTo("veth");
        assertThat(l.vxlan()).isNull();
        assertThat(l.mtu()).isEqualTo(1500);
        assertThat(l.mac()).matches("[0-9a-f]{2}(:[0-9a-f]{2}){5}");
        assertThat(l.addresses()).containsExactly(ip("192.168.77.1/24"));
        assertThat(RtnlLinks.link(ByteBuffer.allocate(0), captured("addresses"), NAMES)).isNull();
    }

    /** The kernel's timers (NDA_CACHEINFO) move on every read; an unchanged table must still read as unchanged. */
    @Test
    void compactForm_timersMoved_isEqual_aChangedMac_isNot() {
        ByteBuffer first = RtnlNeighbours.permanentNeighbours(reply(neighbour(2, 2, Rtnl.NUD_PERMANENT, 100)), 4);
        ByteBuffer later = RtnlNeighbours.permanentNeighbours(reply(neighbour(2, 2, Rtnl.NUD_PERMANENT, 5100)), 4);
        ByteBuffer changed = RtnlNeighbours.permanentNeighbours(reply(neighbour(2, 9, Rtnl.NUD_PERMANENT, 5100)), 4);
        ParseCache<ByteBuffer, List<Neighbour>> cache = new ParseCache<>();

        List<Neighbour> one = cache.parse("crossnet.1", first, c -> RtnlNeighbours.decodeNeighbours(c, "crossnet.1"));
        assertThat(cache.parse("crossnet.1", later, c -> RtnlNeighbours.decodeNeighbours(c, "crossnet.1"))).isSameAs(one);
        assertThat(cache.parse("crossnet.1", changed, c -> RtnlNeighbours.decodeNeighbours(c, "crossnet.1")))
                .containsExactly(new Neighbour(ip("10.5.2.0"), "0a:00:00:00:00:09", "crossnet.1"));
    }

    @Test
    void neighbours_stateOtherThanPermanent_orNoMac_leftOut() {
        ByteBuffer noMac = new Rtnl.Request(Rtnl.RTM_NEWNEIGH, Rtnl.NLM_F_MULTI, Rtnl.NDMSG_LEN)
                .headerByte(0, Rtnl.AF_INET).headerInt(4, 4).headerByte(8, Rtnl.NUD_PERMANENT)
                .attr(Rtnl.NDA_DST, new byte[] {10, 5, 7, 0}).done(7);
        ByteBuffer all = reply(neighbour(2, 2, 0x02 /* REACHABLE */, 0), noMac, neighbour(3, 3, Rtnl.NUD_PERMANENT, 0));

        assertThat(RtnlNeighbours.decodeNeighbours(RtnlNeighbours.permanentNeighbours(all, 4), "d"))
                .containsExactly(new Neighbour(ip("10.5.3.0"), "0a:00:00:00:00:03", "d"));
    }

    @Test
    void malformedReply_messageOrAttributePastTheEnd_refused() {
        ByteBuffer m = neighbour(2, 2, Rtnl.NUD_PERMANENT, 0);
        ByteBuffer cut = m.duplicate().limit(m.limit() - 8);
        assertThatThrownBy(() -> RtnlNeighbours.permanentNeighbours(cut, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("runs past the end");

        ByteBuffer badAttr = ByteBuffer.allocate(m.remaining()).order(ByteOrder.nativeOrder()).put(m.duplicate()).flip();
        badAttr.putShort(Rtnl.NLMSG_HDRLEN + Rtnl.NDMSG_LEN, (short) 200); // the first attribute's length
        assertThatThrownBy(() -> RtnlNeighbours.permanentNeighbours(badAttr, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("runs past its message");
    }

    @Test
    void requests_encodeHeaderAndAttributes() {
        ByteBuffer r = RtnlLinks.byName("crossnet.1").done(42);
        assertThat(r.remaining()).isEqualTo(16 + 16 + 4 + 12); // header, ifinfomsg, rtattr of "crossnet.1\0" padded
        assertThat(r.getInt(0)).isEqualTo(r.remaining());
        assertThat(r.getShort(4)).isEqualTo((short) Rtnl.RTM_GETLINK);
        assertThat(r.getShort(6)).isEqualTo((short) Rtnl.NLM_F_REQUEST);
        assertThat(r.getInt(8)).isEqualTo(42);
        assertThat(r.getShort(32)).isEqualTo((short) 15);
        assertThat(r.getShort(34)).isEqualTo((short) Rtnl.IFLA_IFNAME);

        // The FDB dump must not be 12 or 20 bytes long, or the kernel reads it as an ndmsg.
        ByteBuffer fdb = RtnlNeighbours.fdbRequest(4).done(1);
        assertThat(fdb.remaining() - Rtnl.NLMSG_HDRLEN).isEqualTo(Rtnl.IFINFOMSG_LEN);
        assertThat(fdb.get(16)).isEqualTo((byte) Rtnl.AF_BRIDGE);
        assertThat(fdb.getInt(20)).isEqualTo(4);
        assertThat(fdb.getShort(6)).isEqualTo((short) (Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_DUMP));
    }
}

package dev.crossnet.kernel.linux;

import static dev.crossnet.testing.NetnsLab.sh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crossnet.CrossnetException;
import dev.crossnet.reconcile.KernelWriter;
import dev.crossnet.reconcile.KernelState;
import dev.crossnet.kernel.Chain;
import dev.crossnet.kernel.DeviceRoute;
import dev.crossnet.kernel.FdbEntry;
import dev.crossnet.kernel.FirewallRules;
import dev.crossnet.kernel.Kernel;
import dev.crossnet.kernel.Link;
import dev.crossnet.kernel.Neighbour;
import dev.crossnet.kernel.VxlanSpec;
import dev.crossnet.kernel.PartlyAppliedException;
import dev.crossnet.kernel.Route;
import dev.crossnet.model.Subnet;
import dev.crossnet.testing.NetnsLab;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link LinuxKernel} against a real namespace. */
@Tag("integration")
class LinuxKernelIT {

    private static final Subnet NETWORK = Subnet.parse("10.5.0.0/16");
    private static final Subnet OWN = Subnet.parse("10.5.1.0/24");

    @RegisterExtension
    final NetnsLab lab = new NetnsLab();

    private static Route route(String dst, String via, String dev) {
        return new Route(Subnet.parse(dst), new IPAddressString(via).getAddress(), dev, false);
    }

    @Test
    void routes_replaceListDelete_onlyTouchCrossnetProtocol() {
        NetnsLab.Host h = lab.host(1);
        Kernel k = LinuxKernel.inNamespace(h.ns());
        sh("ip route add 10.5.50.0/24 via 192.168.77.50 dev " + h.iface(), h.ns());
        Route ours = route("10.5.2.0/24", "192.168.77.3", h.iface());

        k.routes().replaceRoutes(List.of(ours));
        k.routes().replaceRoutes(List.of(ours));

        assertThat(k.routes().listOwned()).containsExactly(ours);
        k.routes().deleteRoutesIfPresent(List.of(ours, route("10.5.50.0/24", "192.168.77.50", h.iface())));
        k.routes().deleteRoutesIfPresent(List.of(ours));
        assertThat(k.routes().listOwned()).isEmpty();
        assertThat(sh("ip route", h.ns())).contains("10.5.50.0/24 via 192.168.77.50");
    }

    /** The udp backend's device verbs: a TUN's MTU, UP flag and device route, written once, then never again. */
    @Test
    void tunDevice_ensureUpAndDeviceRoute_writeOnlyWhatDiffers_andReplaceAForeignRoute() {
        NetnsLab.Host h = lab.host(1);
        CommandLog log = new CommandLog();
        Kernel k = log.kernelIn(h.ns());
        sh("ip tuntap add dev cnt0 mode tun && ip route add 10.5.0.0/16 via 192.168.77.9 dev " + h.iface(), h.ns());
        assertThat(k.links().find("cnt0")).hasValueSatisfying(l -> assertThat(l.kind()).isEqualTo("tun"));
        IPAddress src = new IPAddressString("10.5.1.0").getAddress();
        DeviceRoute route = new DeviceRoute(NETWORK, "cnt0", src);

        k.links().ensureOnlyAddress("cnt0", new IPAddressString("10.5.1.0/32").getAddress());
        k.links().ensureUp("cnt0", 1472);
        k.routes().ensureDeviceRoute(route);
        assertThat(log.batches()).extracting(CommandLog.Run::summary)
                .containsExactly("address replace x1", "link set x1", "route replace x1");
        log.clear();
        k.links().ensureUp("cnt0", 1472);
        k.routes().ensureDeviceRoute(route);

        assertThat(log.batches()).as("nothing differs: nothing written").isEmpty();
        assertThat(sh("ip -o link show cnt0", h.ns())).contains("mtu 1472").contains(",UP");
        assertThat(sh("ip route show 10.5.0.0/16", h.ns()).strip())
                .isEqualTo("10.5.0.0/16 dev cnt0 proto 152 scope link src 10.5.1.0 linkdown");
        assertThatThrownBy(() -> k.links().ensureUp("cnt9", 1472)).isInstanceOf(CrossnetException.class)
                .hasMessageContaining("cnt9").hasMessageContaining("does not exist");
    }

    /**
     * The rtnetlink reads against what was written, by the kernel verbs and by {@code ip}/{@code bridge} behind
     * their back: the vxlan device with all it is adopted by, crossnet's routes, the permanent neighbours and FDB
     * entries, and nothing else; 1500 neighbours (a dump of several parts); an unchanged table is the same list
     * object and a change behind our back is a new one; a deleted device lists nothing.
     */
    @Test
    void netlinkReads_equalWhatWasWritten_byTheVerbsAndBehindTheirBack() {
        NetnsLab.Host h = lab.host(1);
        Kernel k = LinuxKernel.inNamespace(h.ns());
        IPAddress local = new IPAddressString(h.publicIp()).getAddress();
        VxlanSpec spec = new VxlanSpec("crossnet.1", 1, 8472, local, h.iface(), "0a:11:22:33:44:01", 1450, false);
        Link made = k.links().ensureVxlan(spec);
        k.links().ensureOnlyAddress("crossnet.1", new IPAddressString("10.5.1.0/32").getAddress());

        Link read = k.links().find("crossnet.1").orElseThrow();
        assertThat(read.index()).isEqualTo(made.index()).isPositive();
        assertThat(read).extracting(Link::kind, Link::mac, Link::mtu, Link::up)
                .containsExactly("vxlan", "0a:11:22:33:44:01", 1450, true);
        assertThat(read.vxlan()).isEqualTo(new Link.VxlanInfo(1, 8472, local, h.iface(), false));
        assertThat(read.addresses()).contains(new IPAddressString("10.5.1.0/32").getAddress());
        assertThat(spec.differencesFrom(read)).isEmpty();
        assertThat(k.links().find(h.iface()).orElseThrow().addresses()).filteredOn(IPAddress::isIPv4)
                .containsExactly(new IPAddressString(h.publicIp() + "/24").getAddress());

        Route r2 = new Route(Subnet.parse("10.5.2.0/24"), ip("10.5.2.0"), "crossnet.1", true);
        Route r3 = route("10.5.3.0/24", "192.168.77.3", h.iface());
        Neighbour n2 = new Neighbour(ip("10.5.2.0"), "0a:00:00:00:00:02", "crossnet.1");
        FdbEntry f2 = new FdbEntry("0a:00:00:00:00:02", ip("192.168.77.3"), "crossnet.1");
        k.routes().replaceRoutes(List.of(r2, r3));
        k.neighbours().replaceNeighbours(List.of(n2));
        k.fdb().replaceFdbEntries(List.of(f2));
        sh("ip route add 10.5.9.0/24 via 10.5.9.0 dev crossnet.1 onlink proto 152"
                + " && ip route add 10.5.8.0/24 via 192.168.77.8 dev " + h.iface() // protocol boot: not ours
                + " && ip neigh replace 10.5.9.0 lladdr 0a:00:00:00:00:09 dev crossnet.1 nud permanent"
                + " && ip neigh replace 10.5.7.0 lladdr 0a:00:00:00:00:07 dev crossnet.1 nud reachable"
                + " && ip -6 neigh replace fd00::9 lladdr 0a:00:00:00:00:09 dev crossnet.1 nud permanent"
                + " && bridge fdb append 00:00:00:00:00:00 dev crossnet.1 dst 192.168.77.4 self permanent"
                + " && bridge fdb append 0a:00:00:00:00:09 dev crossnet.1 dst 192.168.77.9 self permanent", h.ns());
        Route r9 = new Route(Subnet.parse("10.5.9.0/24"), ip("10.5.9.0"), "crossnet.1", true);

        List<Route> routes = k.routes().listOwned();
        assertThat(routes).containsExactlyInAnyOrder(r2, r3, r9);
        assertThat(k.neighbours().listPermanent("crossnet.1"))
                .containsExactlyInAnyOrder(n2, new Neighbour(ip("10.5.9.0"), "0a:00:00:00:00:09", "crossnet.1"));
        assertThat(k.fdb().listPermanent("crossnet.1"))
                .containsExactlyInAnyOrder(f2, new FdbEntry("0a:00:00:00:00:09", ip("192.168.77.9"), "crossnet.1"));
        assertThat(k.routes().listOwned()).as("unchanged: the same object").isSameAs(routes);

        sh("ip route del 10.5.9.0/24", h.ns());
        assertThat(k.routes().listOwned()).containsExactlyInAnyOrder(r2, r3);

        StringBuilder batch = new StringBuilder();
        for (int i = 0; i < 1500; i++) {
            batch.append(String.format("neigh replace 10.6.%d.%d lladdr 0a:00:00:01:%02x:%02x dev crossnet.1 nud permanent%n",
                    i / 250, 1 + i % 250, i >> 8, i & 0xff));
        }
        sh("ip -batch - <<'EOF'\n" + batch + "EOF", h.ns());
        assertThat(k.neighbours().listPermanent("crossnet.1")).hasSize(1502)
                .contains(new Neighbour(ip("10.6.5.250"), "0a:00:00:01:05:db", "crossnet.1"));

        sh("ip link del crossnet.1", h.ns());
        assertThat(k.links().find("crossnet.1")).isEmpty();
        assertThat(k.neighbours().listPermanent("crossnet.1")).isEmpty();
        assertThat(k.fdb().listPermanent("crossnet.1")).isEmpty();
        assertThat(k.routes().listOwned()).containsExactly(r3);
    }

    /** A namespace deleted and made again under its name is read afresh; one that is gone fails the read, naming it. */
    @Test
    void netlinkReads_namespaceMadeAgain_readsTheNewOne_gone_failsNamingIt() {
        String ns = lab.namespace("r");
        Kernel k = LinuxKernel.inNamespace(ns);
        String device = "ip link add br0 type bridge && ip link set br0 up && ip addr add 192.168.5.1/24 dev br0";
        sh(device + " && ip route add 10.7.1.0/24 via 192.168.5.2 dev br0 proto 152", ns);
        assertThat(k.routes().listOwned()).containsExactly(route("10.7.1.0/24", "192.168.5.2", "br0"));

        sh("ip netns del " + ns + " && ip netns add " + ns);
        sh(device + " && ip route add 10.7.2.0/24 via 192.168.5.3 dev br0 proto 152", ns);
        assertThat(k.routes().listOwned()).containsExactly(route("10.7.2.0/24", "192.168.5.3", "br0"));

        sh("ip netns del " + ns);
        try {
            assertThatThrownBy(() -> k.routes().listOwned()).isInstanceOf(CrossnetException.class)
                    .hasMessageContaining("list routes").hasMessageContaining(ns);
        } finally {
            sh("ip netns add " + ns); // the lab removes what it made
        }
    }

    private static IPAddress ip(String s) {
        return new IPAddressString(s).getAddress();
    }

    @Test
    void routes_badBatch_failsNamingTheLineAndTheKernelError() {
        NetnsLab.Host h = lab.host(1);
        Kernel k = LinuxKernel.inNamespace(h.ns());

        assertThatThrownBy(() -> k.routes().replaceRoutes(List.of(route("10.5.2.0/24", "192.168.77.3", "cnknosuchdev"))))
                .isInstanceOf(CrossnetException.class)
                .hasMessageContaining("in namespace " + h.ns())
                .hasMessageContaining("route replace 10.5.2.0/24 via 192.168.77.3 dev cnknosuchdev")
                .hasMessageContaining("Cannot find device");
    }

    /** iproute2 without -force stops at the first failing line: one refused peer kept every later one out. */
    @Test
    void routes_forcedBatch_oneRefusedLineFirst_laterLinesStillApplied() {
        NetnsLab.Host h = lab.host(1);
        Kernel k = LinuxKernel.inNamespace(h.ns());
        Route refused = route("10.5.3.0/24", "10.200.0.1", h.iface()); // not on-link: the kernel will not take the gateway
        Route a = route("10.5.2.0/24", "192.168.77.3", h.iface());
        Route b = route("10.5.4.0/24", "192.168.77.5", h.iface());

        assertThatThrownBy(() -> k.routes().replaceRoutes(List.of(refused, a, b)))
                .isInstanceOfSatisfying(PartlyAppliedException.class, e -> assertThat(e.refused()).singleElement().asString()
                        .contains("in namespace " + h.ns(), "\"route replace 10.5.3.0/24 via 10.200.0.1 dev " + h.iface()));

        assertThat(k.routes().listOwned()).containsExactlyInAnyOrder(a, b);
    }

    @Test
    void fdb_forcedBatch_oneRefusedLineFirst_laterLinesStillApplied() {
        NetnsLab.Host h = lab.host(1);
        Kernel k = LinuxKernel.inNamespace(h.ns());
        sh("ip link add vxt0 type vxlan id 42 dstport 4789 dev " + h.iface() + " nolearning", h.ns());
        FdbEntry good = new FdbEntry("0a:00:00:00:00:02", new IPAddressString("192.168.77.3").getAddress(), "vxt0");
        FdbEntry refused = new FdbEntry("0a:00:00:00:00:01", new IPAddressString("192.168.77.2").getAddress(), "cnknosuchdev");

        assertThatThrownBy(() -> k.fdb().replaceFdbEntries(List.of(refused, good)))
                .isInstanceOf(PartlyAppliedException.class).hasMessageContaining("cnknosuchdev");

        assertThat(k.fdb().listPermanent("vxt0")).containsExactly(good);
    }

    /** The whole pass: a refused route neither stops the other adds nor the deletes of dead peers. */
    @Test
    void kernelWriter_refusedRoute_otherAddsAndDeletesStillHappen() {
        NetnsLab.Host h = lab.host(1);
        Kernel k = LinuxKernel.inNamespace(h.ns());
        Route dead = route("10.5.9.0/24", "192.168.77.9", h.iface());
        k.routes().replaceRoutes(List.of(dead));
        Route refused = route("10.5.1.0/24", "10.200.0.1", h.iface());
        Route good = route("10.5.2.0/24", "192.168.77.3", h.iface());
        java.util.concurrent.atomic.AtomicInteger errors = new java.util.concurrent.atomic.AtomicInteger();
        KernelWriter writer = new KernelWriter(k, org.slf4j.LoggerFactory.getLogger(LinuxKernelIT.class), "routes",
                java.time.Clock.systemUTC(), errors::incrementAndGet);

        int failing = writer.program(new KernelState(Set.of(refused, good), Set.of(), Set.of()),
                () -> new KernelState(Set.copyOf(k.routes().listOwned()), Set.of(), Set.of()), List.of());

        // Read back from the real kernel, the refused route is the one failing object; the rest went in.
        assertThat(failing).isEqualTo(1);
        assertThat(errors).hasValue(1);
        assertThat(writer.failing()).containsExactly(List.of("replace", refused));
        assertThat(k.routes().listOwned()).containsExactly(good);
    }

    @Test
    void firewall_masqueradeAndForward_jumpAddedOnceAndContentsReplaced() {
        NetnsLab.Host h = lab.host(1);
        Kernel k = LinuxKernel.inNamespace(h.ns());

        k.firewall().ensureMasqueradeRules(NETWORK, OWN);
        k.firewall().ensureMasqueradeRules(NETWORK, OWN);
        k.firewall().ensureForwardRules(NETWORK);
        k.firewall().ensureForwardRules(Subnet.parse("10.6.0.0/16"));

        assertThat(k.firewall().listChain(Chain.POSTROUTING)).isEqualTo(FirewallRules.masquerade(NETWORK, OWN));
        assertThat(k.firewall().listChain(Chain.FORWARD)).isEqualTo(FirewallRules.forward(Subnet.parse("10.6.0.0/16")));
        assertThat(sh("iptables -w -t nat -S POSTROUTING", h.ns()).lines()
                .filter(l -> l.equals("-A POSTROUTING -j CROSSNET-POSTRTG"))).hasSize(1);
        assertThat(sh("iptables -w -S FORWARD", h.ns()).lines()
                .filter(l -> l.equals("-A FORWARD -j CROSSNET-FWD"))).hasSize(1);
    }

    @Test
    void firewall_foreignRulesInBuiltinChains_survive() {
        NetnsLab.Host h = lab.host(1);
        sh("iptables -w -A FORWARD -s 10.99.0.0/16 -j DROP", h.ns());

        LinuxKernel.inNamespace(h.ns()).firewall().ensureForwardRules(NETWORK);

        assertThat(sh("iptables -w -S FORWARD", h.ns())).contains("-A FORWARD -s 10.99.0.0/16 -j DROP");
    }

    /**
     * The encapsulation filter on a real kernel: its jump goes before the host's own ACCEPT, a
     * stranger's datagram is counted by the drop rule and a peer's is not, a rewrite for another
     * peer set keeps the count, and after {@code iptables -F} the next ensure puts back chain and jump.
     */
    @Test
    void firewall_encapsulationFilter_jumpFirst_strangerCounted_countKeptAcrossRewrites_backAfterFlush() {
        NetnsLab.Host h = lab.host(1);
        NetnsLab.Host peer = lab.host(2);
        NetnsLab.Host stranger = lab.host(3);
        Kernel k = LinuxKernel.inNamespace(h.ns());
        sh("iptables -w -A INPUT -p udp -j ACCEPT", h.ns());
        var peers = List.of(new IPAddressString(peer.publicIp()).getAddress());

        k.firewall().ensureEncapsulationPeers(Chain.INPUT, 8472, peers);
        k.firewall().ensureEncapsulationPeers(Chain.INPUT, 8472, peers);

        assertThat(k.firewall().listChain(Chain.INPUT)).isEqualTo(FirewallRules.encapsulationPeers(8472, peers));
        assertThat(sh("iptables -w -S INPUT", h.ns()).lines().filter(l -> l.startsWith("-A "))).containsExactly(
                "-A INPUT -j CROSSNET-INPUT", "-A INPUT -p udp -j ACCEPT");
        String drop = FirewallRules.encapsulationDrop(8472);
        sh("bash -c 'echo stranger > /dev/udp/" + h.publicIp() + "/8472'", stranger.ns());
        sh("bash -c 'echo peer > /dev/udp/" + h.publicIp() + "/8472'", peer.ns());
        sh("bash -c 'echo other-port > /dev/udp/" + h.publicIp() + "/8473'", stranger.ns());
        assertThat(k.firewall().packetCounts(Chain.INPUT)).containsEntry(drop, 1L)
                .containsEntry("-s " + peer.publicIp() + "/32 -j RETURN", 1L);

        k.firewall().ensureEncapsulationPeers(Chain.INPUT, 8472, List.of());
        assertThat(k.firewall().listChain(Chain.INPUT)).doesNotContain("-s " + peer.publicIp() + "/32 -j RETURN");
        assertThat(k.firewall().packetCounts(Chain.INPUT)).containsEntry(drop, 1L);

        sh("iptables -w -F", h.ns());
        assertThat(k.firewall().listChain(Chain.INPUT)).isEmpty();
        k.firewall().ensureEncapsulationPeers(Chain.INPUT, 8472, peers);
        assertThat(k.firewall().listChain(Chain.INPUT)).isEqualTo(FirewallRules.encapsulationPeers(8472, peers));
        assertThat(sh("iptables -w -S INPUT", h.ns())).contains("-A INPUT -j CROSSNET-INPUT");
    }

    @Test
    void sysctl_ipForwardingInNamespace_setOnlyThere() {
        NetnsLab.Host h = lab.host(1);
        Kernel k = LinuxKernel.inNamespace(h.ns());
        // A new namespace copies the root namespace's value (devconf_inherit_init_net=0), which
        // whatever else runs on the machine may have set: start from "off" in ours.
        sh("sysctl -q -w net.ipv4.ip_forward=0", h.ns());
        String root = sh("cat /proc/sys/net/ipv4/ip_forward").trim();
        assertThat(k.sysctl().read("net/ipv4/ip_forward")).isEqualTo("0");

        k.sysctl().ensureIpForwarding();

        assertThat(sh("cat /proc/sys/net/ipv4/ip_forward", h.ns()).trim()).isEqualTo("1");
        assertThat(sh("cat /proc/sys/net/ipv4/ip_forward").trim()).as("the root namespace's value").isEqualTo(root);
    }
}

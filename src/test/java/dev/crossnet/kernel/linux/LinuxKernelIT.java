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

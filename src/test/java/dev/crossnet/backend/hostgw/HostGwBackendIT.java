package dev.crossnet.backend.hostgw;

import static dev.crossnet.testing.NetnsLab.sh;
import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.backend.Backend;
import dev.crossnet.backend.BackendContract;
import dev.crossnet.backend.Network;
import dev.crossnet.kernel.Kernel;
import dev.crossnet.kernel.linux.LinuxKernel;
import dev.crossnet.model.Lease;
import dev.crossnet.model.LeaseAttrs;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.model.Subnet;
import dev.crossnet.testing.NetnsLab;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The host-gw backend on real kernels: the {@link BackendContract} (which also shows it carries the
 * whole underlay MTU), and what is host-gw's own: a peer off our L2 segment is refused, foreign
 * routes stay. Lab hosts are programmed in-process through {@code ip -n}.
 */
class HostGwBackendIT extends BackendContract {

    private static final NetworkConfig CONFIG = NetworkConfig.parse(
            "{\"Network\":\"10.5.0.0/16\",\"Backend\":{\"Type\":\"host-gw\"}}");

    @Override
    protected NetworkConfig config() {
        return CONFIG;
    }

    @Override
    protected Backend backend(Kernel kernel) {
        return new HostGwBackend(kernel);
    }

    @Override
    protected String device() {
        return null;
    }

    @Override
    protected boolean carriesTrafficWhileStopped() {
        return true;
    }

    /** The route to the peer's subnet, via the peer's PublicIP. */
    @Override
    protected List<String> traces(Node host, Node peer) {
        String route = sh("ip route show " + peer.subnet, host.host.ns()).strip();
        if (!route.isEmpty()) {
            assertThat(route).contains("via " + peer.host.publicIp() + " dev " + host.host.iface() + " proto 152");
        }
        return List.of(route);
    }

    @Test
    void reconcile_peerOffL2AndPeerGone_refusesOneRemovesOtherKeepsForeign() {
        NetnsLab.Host h = lab.host(1);
        NetnsLab.Host h2 = lab.host(2);
        Network n = new HostGwBackend(LinuxKernel.inNamespace(h.ns())).register(h.context(state), CONFIG);
        n.start(new Lease(Subnet.parse("10.5.1.0/24"), new LeaseAttrs(h.publicIp(), "host-gw", null), null, 1));
        String ns = h.ns();
        sh("ip route add 10.5.99.0/24 via 192.168.77.99 dev " + h.iface(), ns);
        List<Lease> peers = new ArrayList<>(List.of(
                new Lease(Subnet.parse("10.5.2.0/24"), new LeaseAttrs(h2.publicIp(), "host-gw", null), null, 1),
                new Lease(Subnet.parse("10.5.7.0/24"), new LeaseAttrs("172.20.0.7", "host-gw", null), null, 1)));
        n.reconcile(peers);
        assertThat(sh("ip route", ns)).contains("10.5.2.0/24").doesNotContain("10.5.7.0/24");

        n.reconcile(List.of());

        assertThat(sh("ip route", ns)).doesNotContain("10.5.2.0/24").contains("10.5.99.0/24 via 192.168.77.99");
    }
}

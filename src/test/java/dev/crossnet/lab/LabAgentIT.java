package dev.crossnet.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crossnet.cli.Main;
import dev.crossnet.lab.LabState.ContainerState;
import dev.crossnet.model.BackendConfig;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The whole lab with real agents: hosts, agents, containers, traffic across hosts. Needs root. */
@Tag("integration")
class LabAgentIT {
    private static final Duration CONVERGE = Duration.ofSeconds(30);

    @RegisterExtension
    final LabExtension labs = new LabExtension();

    private static boolean ping(Lab lab, String from, String ip) {
        return lab.exec(from, Duration.ofSeconds(10), "busybox", "ping", "-c1", "-W1", ip).exit() == 0;
    }

    /** Peers learn of each other through the store's watch, so a pair may need a moment after up. */
    private static void awaitPing(Lab lab, String from, String to) {
        String ip = lab.ip(to);
        await(from + " -> " + to + " (" + ip + ")").atMost(CONVERGE).pollInterval(Duration.ofMillis(200))
                .until(() -> ping(lab, from, ip));
    }

    private static List<ContainerState> containers(Lab lab) {
        return lab.state().hosts().stream().flatMap(h -> h.containers().stream()).toList();
    }

    @ParameterizedTest
    @EnumSource(value = BackendConfig.Type.class, names = {"VXLAN", "HOST_GW"})
    void up_3hostsBy2Containers_everyContainerReachesEveryOther(BackendConfig.Type backend) {
        LabOptions o = labs.options().withHosts(3).withContainersPerHost(2).withBackend(backend);
        Lab lab = labs.track(Lab.up(o));

        List<ContainerState> all = containers(lab);
        assertThat(all).extracting(ContainerState::name).containsExactly("h1-c1", "h1-c2", "h2-c1", "h2-c2", "h3-c1", "h3-c2");
        assertThat(lab.state().hosts()).extracting(LabState.HostState::subnet).doesNotContainNull().doesNotHaveDuplicates();
        assertThat(lab.status().hosts()).allSatisfy(h -> assertThat(h.ready()).as(h.name() + " ready").isTrue());
        for (ContainerState from : all) {
            for (ContainerState to : all) {
                if (from != to) {
                    awaitPing(lab, from.name(), to.name());
                }
            }
        }
        int mtu = backend == BackendConfig.Type.VXLAN ? 1450 : 1500; // vxlan: 1500 - 50 (14 eth + 20 IP + 8 UDP + 8 VXLAN)
        assertThat(lab.state().hosts()).allSatisfy(h -> assertThat(h.mtu()).isEqualTo(mtu));
        assertThat(lab.exec("h2-c1", "ip", "-o", "link", "show", "eth0").out()).contains("mtu " + mtu);

        // lab exec passes the command's exit code through: 1 for an address nobody has.
        assertThat(Main.run("lab", "exec", "--name", o.name(), "h1-c1", "--", "busybox", "ping", "-c1", "-W1", "10.5.255.254"))
                .isEqualTo(1);
        assertThat(Main.run("lab", "exec", "--name", o.name(), "h1-c1", "--", "busybox", "ping", "-c1", "-W2", lab.ip("h3-c2")))
                .isZero();
    }

    @Test
    void stopAgentThenStartAgent_keepsTheSubnetAndTraffic() {
        Lab lab = labs.track(Lab.up(labs.options().withHosts(2).withContainersPerHost(1)));
        awaitPing(lab, "h1-c1", "h2-c1");
        String subnet = lab.host("h2").subnet();

        lab.stopAgent("h2");
        LabStatus.HostStatus h2 = lab.status().hosts().get(1);
        assertThat(h2.alive()).isFalse();
        assertThat(h2.agentPid()).isZero();
        assertThat(ping(lab, "h1-c1", lab.ip("h2-c1"))).as("a stopped agent leaves the data plane up").isTrue();

        lab.startAgent("h2");
        assertThat(lab.status().hosts().get(1).ready()).isTrue();
        assertThat(lab.host("h2").subnet()).isEqualTo(subnet);
        awaitPing(lab, "h2-c1", "h1-c1");
    }

    @Test
    void addHost_joinsTheRunningOverlay() {
        Lab lab = labs.track(Lab.up(labs.options().withHosts(2).withContainersPerHost(1)));
        assertThat(lab.addHost()).isEqualTo("h3");
        assertThat(lab.host("h3").underlayIp()).isEqualTo("172.30.0.13");
        assertThat(LabState.load(lab.dir()).orElseThrow().hosts()).hasSize(3);
        awaitPing(lab, "h3-c1", "h1-c1");
        awaitPing(lab, "h1-c1", "h3-c1");
        awaitPing(lab, "h2-c1", "h3-c1");
    }
}

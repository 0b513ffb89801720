package dev.crossnet.lab;

import dev.crossnet.agent.SubnetEnv;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.crossnet.CrossnetException;
import dev.crossnet.SelfCommand;
import dev.crossnet.cli.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The lab's namespace plumbing and clean-up, without agents. Needs root. */
@Tag("integration")
class LabPlumbingIT {
    @RegisterExtension
    final LabExtension labs = new LabExtension();

    /** The limit of every wait below; generous, for a loaded machine. */
    private static final Duration SETTLE = Duration.ofSeconds(60);

    private static boolean ping(String ns, String ip) {
        return Cmd.run(Plumbing.inNs(ns, List.of("busybox", "ping", "-c1", "-W2", ip)), null, Duration.ofSeconds(10)).exit() == 0;
    }

    /** Until one ping from {@code ns} to {@code ip} is answered (one may be lost, e.g. to a first ARP), within {@link #SETTLE}. */
    private static void awaitPing(String what, String ns, String ip) {
        await(what + ": " + ns + " -> " + ip).atMost(SETTLE).pollInterval(Duration.ofMillis(200)).until(() -> ping(ns, ip));
    }

    private static void assertGone(String name) {
        assertThat(Plumbing.listNamespaces(name + "-")).isEmpty();
        assertThat(LabOptions.DEFAULT_STATE_ROOT.resolve(name)).doesNotExist();
    }

    @Test
    void up_withoutAgents_hostsReachEachOtherOverTheUnderlay_andDownLeavesNothing() {
        LabOptions o = labs.options().withAgents(false).withHosts(3);
        Lab lab = labs.track(Lab.up(o));
        assertThat(Plumbing.listNamespaces(o.name() + "-"))
                .containsExactly(o.name() + "-h1", o.name() + "-h2", o.name() + "-h3", o.name() + "-ul");
        for (int a = 1; a <= 3; a++) {
            for (int b = 1; b <= 3; b++) {
                if (a != b) {
                    awaitPing("h" + a + " -> h" + b, lab.host("h" + a).netns(), lab.host("h" + b).underlayIp());
                }
            }
        }
        assertThat(ping(lab.host("h1").netns(), "172.30.0.99")).as("an address nobody has").isFalse();
        assertThat(LabState.load(lab.dir()).orElseThrow().hosts()).hasSize(3);

        lab.down();
        assertGone(o.name());
        assertThat(Lab.down(o.name(), LabOptions.DEFAULT_STATE_ROOT)).endsWith("nothing to remove");
    }

    @Test
    void createContainers_onTwoRoutedHosts_containersReachEachOtherWithTheEnvMtu() {
        LabOptions o = labs.options().withAgents(false).withHosts(2);
        Lab lab = labs.track(Lab.up(o));
        LabNames n = new LabNames(o.name());
        SubnetEnv e1 = SubnetEnv.parse("FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET=10.5.1.1/24\nFLANNEL_MTU=1400\n", "h1");
        SubnetEnv e2 = SubnetEnv.parse("FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET=10.5.2.1/24\nFLANNEL_MTU=1400\n", "h2");
        Plumbing.createContainers(n, 1, e1, 2);
        Plumbing.createContainers(n, 2, e2, 2);
        // What a host-gw backend would add; here by hand, to test the containers' side alone.
        Plumbing.batch(n.hostNs(1), List.of("route add 10.5.2.0/24 via 172.30.0.12"));
        Plumbing.batch(n.hostNs(2), List.of("route add 10.5.1.0/24 via 172.30.0.11"));

        awaitPing("same host", n.containerNs(1, 1), "10.5.1.3");
        awaitPing("across hosts", n.containerNs(1, 2), "10.5.2.2");
        awaitPing("across hosts, back", n.containerNs(2, 2), "10.5.1.2");
        String link = Cmd.check(List.of("ip", "-n", n.containerNs(2, 1), "-o", "link", "show", "eth0"), null);
        assertThat(link).contains("mtu 1400");
        String route = Cmd.check(List.of("ip", "-n", n.containerNs(2, 1), "route", "show", "default"), null);
        assertThat(route).startsWith("default via 10.5.2.1 dev eth0");
        assertThat(Cmd.check(List.of("ip", "-n", n.hostNs(1), "-o", "addr", "show", "cn0"), null)).contains("10.5.1.1/24");

        lab.down();
        assertGone(o.name());
    }

    @Test
    void down_afterUpWasKilledHalfWay_removesEverything() throws Exception {
        String name = labs.newName();
        List<String> cmd = new ArrayList<>(SelfCommand.argv());
        cmd.addAll(List.of("lab", "up", "--name", name, "--no-agents", "--hosts", "120"));
        Process up = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            await("lab up has made 5 namespaces").atMost(SETTLE).pollInterval(Duration.ofMillis(5))
                    .until(() -> Plumbing.listNamespaces(name + "-").size() >= 5 || !up.isAlive());
            assertThat(up.isAlive()).as("up still running when killed").isTrue();
        } finally {
            up.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no rollback
        }
        assertThat(Plumbing.listNamespaces(name + "-")).isNotEmpty();

        assertThat(Lab.down(name, LabOptions.DEFAULT_STATE_ROOT)).contains("deleted");
        assertGone(name);
        assertThat(Lab.down(name, LabOptions.DEFAULT_STATE_ROOT)).endsWith("nothing to remove");
    }

    @Test
    void down_partialStateMadeByHand_stopsProcessesAndRemovesIt() throws Exception {
        String name = labs.newName();
        LabNames n = new LabNames(name);
        Path dir = LabOptions.DEFAULT_STATE_ROOT.resolve(name);
        Files.createDirectories(dir.resolve("h2"));
        Files.writeString(dir.resolve("lab.json"), "{\"name\": \"" + name + "\", \"hosts\": [ {\"na"); // torn write
        Plumbing.addNamespaces(List.of(n.hostNs(2), n.containerNs(2, 1)));
        Process sleeper = Processes.startDetached(n.containerNs(2, 1), List.of("sleep", "600"), dir.resolve("h2/sleep.log"));
        await("sleep runs in " + n.containerNs(2, 1)).atMost(SETTLE).until(() -> Plumbing.pids(n.containerNs(2, 1)).contains(sleeper.pid()));

        String report = Lab.down(name, LabOptions.DEFAULT_STATE_ROOT);
        assertThat(report).contains("stopped 1 processes, deleted 2 namespaces");
        // The sleeper is this JVM's child: it is dead once down returns, but isAlive() turns false only when the
        // JVM's reaper thread has collected it, which a loaded machine can delay.
        assertThat(sleeper.waitFor(SETTLE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)).as("the sleeper ended").isTrue();
        assertGone(name);
        assertThat(Lab.down(name, LabOptions.DEFAULT_STATE_ROOT)).endsWith("nothing to remove");
    }

    /** Regression: a crashed up's agent, caught in the root namespace mid-exec, later recreated lab files. */
    @Test
    void down_labProcessOutsideItsNamespaces_isStoppedBeforeTheDirectoryGoes() throws Exception {
        String name = labs.newName();
        Path dir = LabOptions.DEFAULT_STATE_ROOT.resolve(name);
        Files.createDirectories(dir.resolve("h1"));
        Process stray = new ProcessBuilder("sh", "-c", "while :; do sleep 0.1; done", dir.resolve("h1/agent").toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            assertThat(Lab.down(name, LabOptions.DEFAULT_STATE_ROOT)).contains("stopped 1 processes");
            assertThat(stray.waitFor(SETTLE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)).as("the stray process ended").isTrue();
            assertGone(name);
        } finally {
            stray.destroyForcibly();
        }
    }

    @Test
    void up_whenTheLabExists_failsAndLeavesItRunning() {
        LabOptions o = labs.options().withAgents(false).withHosts(2);
        Lab lab = labs.track(Lab.up(o));
        assertThatThrownBy(() -> Lab.up(o.withHosts(1))).isInstanceOf(CrossnetException.class)
                .hasMessageStartingWith("lab " + o.name() + " already exists");
        assertThat(Plumbing.listNamespaces(o.name() + "-")).hasSize(3);
        awaitPing("the first lab still works", lab.host("h1").netns(), lab.host("h2").underlayIp());
    }

    @Test
    void up_failingAfterTheUnderlay_rollsEverythingBack() {
        LabOptions o = labs.options().withStore(LabOptions.StoreKind.ETCD);
        LabEtcd broken = (ns, ip, dir) -> {
            assertThat(Plumbing.listNamespaces(o.name() + "-")).containsExactly(o.name() + "-ul");
            throw new CrossnetException("etcd: simulated failure");
        };
        assertThatThrownBy(() -> Lab.up(o, broken)).hasMessage("etcd: simulated failure");
        assertGone(o.name());
    }

    @Test
    void exec_passesTheExitCodeThrough_andRejectsUnknownNames() {
        LabOptions o = labs.options().withAgents(false).withHosts(1);
        Lab lab = labs.track(Lab.up(o));
        assertThat(Main.run("lab", "exec", "--name", o.name(), "h1", "--", "sh", "-c", "exit 3")).isEqualTo(3);
        assertThat(Main.run("lab", "exec", "--name", o.name(), "h1", "--", "ip", "link", "show", "eth0")).isZero();
        assertThat(Main.run("lab", "exec", "--name", o.name(), "h2", "--", "true")).isEqualTo(1);
        assertThat(lab.exec("h1", "ip", "-o", "addr", "show", "eth0").out()).contains("172.30.0.11/24");
        assertThatThrownBy(() -> lab.exec("h1-c1", "true")).hasMessageContaining("no host or container \"h1-c1\"");
    }

    @Test
    void nsenterEtcd_onTheUnderlay_servesTheHostsAndDiesWithTheLab() {
        LabOptions o = labs.options().withAgents(false).withHosts(1);
        Lab lab = labs.track(Lab.up(o));
        LabEtcd.Started etcd = new NsenterEtcd().start(o.name() + "-ul", "172.30.0.1", lab.dir().resolve("etcd"));
        assertThat(etcd.store()).isEqualTo("etcd://172.30.0.1:2379");
        String ep = "--endpoints=http://172.30.0.1:2379";
        assertThat(lab.exec("h1", "etcdctl", ep, "put", "/lab/k", "v").exit()).isZero();
        assertThat(lab.exec("h1", "etcdctl", ep, "get", "--print-value-only", "/lab/k").out().strip()).isEqualTo("v");

        lab.down();
        assertThat(ProcessHandle.of(etcd.pid()).map(ProcessHandle::isAlive)).isIn(java.util.Optional.empty(), java.util.Optional.of(false));
        assertGone(o.name());
    }
}

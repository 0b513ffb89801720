package dev.crossnet.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crossnet.lab.LabOptions.StoreKind;
import dev.crossnet.model.BackendConfig.Type;
import dev.crossnet.status.ClusterStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code crossnet status} on a 3-host vxlan lab (one lab for the class, tests in order): every host sees every other
 * reachable over the overlay with an RTT measured by its agent's probe; once h3's agent is stopped, h3's agent is not
 * ready and h3 is unreachable from h1. Needs root.
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StatusLabIT {
    /** Generous: a loaded machine; the probe needs a few seconds (loss window + a report tick). */
    static final Duration LIMIT = Duration.ofSeconds(120);
    static final List<String> HOSTS = List.of("h1", "h2", "h3");
    static Path stateRoot;
    static Lab lab;
    static long started;

    @RegisterExtension
    static final AfterTestExecutionCallback DUMP = ctx -> {
        if (ctx.getExecutionException().isPresent() && lab != null) {
            System.out.println(lab.diagnostics());
        }
    };

    @BeforeAll
    static void up() throws IOException {
        started = System.nanoTime();
        stateRoot = Files.createTempDirectory("crossnet-status-it-");
        String name = "cns" + UUID.randomUUID().toString().replace("-", "").substring(0, 6);
        try {
            lab = Lab.up(LabOptions.defaults().withName(name).withStateRoot(stateRoot).withHosts(3).withContainersPerHost(1)
                    .withBackend(Type.VXLAN).withStore(StoreKind.EMBEDDED).withProgress(l -> System.out.println("  " + l)));
        } catch (RuntimeException e) {
            Lab.down(name, stateRoot);
            throw e;
        }
    }

    @AfterAll
    static void down() throws IOException {
        if (lab != null) {
            System.out.println(Lab.down(lab.name(), stateRoot));
        }
        Files.deleteIfExists(stateRoot);
        System.out.printf("StatusLabIT took %.1f s (information only)%n", (System.nanoTime() - started) / 1e9);
    }

    /** {@code crossnet status ARGS} run in {@code host}'s namespace as that host, on the lab's store. */
    static Lab.ExecResult status(String host, String... args) {
        List<String> cmd = new ArrayList<>(dev.crossnet.SelfCommand.argv());
        cmd.addAll(List.of("status", "--store", lab.state().store(), "--prefix", lab.state().prefix(), "--host-name", host));
        cmd.addAll(List.of(args));
        return lab.exec(host, LIMIT, cmd.toArray(new String[0]));
    }

    static ClusterStatus statusJson(String host) {
        Lab.ExecResult r = status(host, "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        return ClusterStatus.fromJson(r.out());
    }

    @Test
    @Order(1)
    void everyHost_listsEveryHost_andReachesEveryOtherOverTheOverlayWithAnRtt() throws Exception {
        for (String from : HOSTS) {
            await("status from " + from).atMost(LIMIT).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                ClusterStatus s = statusJson(from);
                assertThat(s.from()).isEqualTo(from);
                assertThat(s.store().healthy()).isTrue();
                assertThat(s.network()).isEqualTo(new ClusterStatus.Overlay("10.5.0.0/16", "vxlan"));
                assertThat(s.hosts()).extracting(ClusterStatus.Host::name).containsExactlyElementsOf(HOSTS);
                for (ClusterStatus.Host h : s.hosts()) {
                    assertThat(h.publicIp()).isEqualTo(lab.host(h.name()).underlayIp());
                    assertThat(h.subnet()).isEqualTo(lab.host(h.name()).subnet());
                    assertThat(h.agent().ready()).as(h.name() + " ready").isTrue();
                    assertThat(h.mode()).containsEntry("device", "crossnet.1");
                }
                assertThat(s.host(from).peers()).as(from + "'s peers").hasSize(2).allSatisfy(p -> {
                    assertThat(p.reachable()).as(from + " -> " + p.name()).isTrue();
                    assertThat(p.rttMs()).isNotNull().isPositive();
                });
                assertThat(s.host(from).peers()).extracting(ClusterStatus.Peer::name)
                        .containsExactlyElementsOf(HOSTS.stream().filter(h -> !h.equals(from)).toList());
            });
        }
        Lab.ExecResult table = status("h2");
        assertThat(table.exit()).as(table.err()).isZero();
        assertThat(table.out()).containsPattern("h1\\s+" + lab.host("h1").underlayIp().replace(".", "\\.") + "\\s+\\S+\\s+vxlan\\s+ready since \\S+\\s+yes\\s+\\d+\\.\\d+ms")
                .containsPattern("h2\\s+\\S+\\s+\\S+\\s+vxlan\\s+ready since \\S+\\s+\\(self\\)");

        // lab status: the same, per lab host, as JSON too.
        JsonNode labJson = ClusterStatus.mapper().readTree(LabClusterStatus.json(lab.status(), LabClusterStatus.read(lab)));
        assertThat(labJson.get("hosts")).as("lab status's own fields stay").hasSize(3);
        ClusterStatus viaLab = ClusterStatus.mapper().treeToValue(labJson.get("cluster"), ClusterStatus.class);
        assertThat(viaLab.hosts()).extracting(ClusterStatus.Host::name).containsExactlyElementsOf(HOSTS);
        assertThat(viaLab.hosts()).allSatisfy(h -> assertThat(h.peers()).hasSize(2));
    }

    @Test
    @Order(2)
    void h3sAgentStopped_isNotReady_andUnreachableFromH1() {
        lab.stopAgent("h3");

        await("h3 down and unreachable from h1").atMost(LIMIT).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            ClusterStatus s = statusJson("h1");
            assertThat(s.host("h3").agent().ready()).isFalse();
            assertThat(s.host("h3").agent().state()).isIn("stopped", "down");
            ClusterStatus.Peer h3 = s.host("h1").peers().stream().filter(p -> p.name().equals("h3")).findFirst().orElseThrow();
            assertThat(h3.reachable()).isFalse();
            assertThat(s.host("h1").peers().stream().filter(p -> p.name().equals("h2")).findFirst().orElseThrow().reachable()).isTrue();
        });
        Lab.ExecResult table = status("h1");
        assertThat(table.out()).containsPattern("h3\\s+\\S+\\s+\\S+\\s+vxlan\\s+(stopped|down) since \\S+\\s+no");
    }

    /** host-gw and udp give the probe other overlay addresses (a bridge, the TUN): two hosts each, no containers. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Type.class, names = {"HOST_GW", "UDP"})
    @Order(3)
    void otherBackends_probeOverTheirOwnOverlayAddress(Type backend) throws IOException {
        String name = "cns" + UUID.randomUUID().toString().replace("-", "").substring(0, 6);
        Lab two = null;
        try {
            two = Lab.up(LabOptions.defaults().withName(name).withStateRoot(stateRoot).withHosts(2).withContainersPerHost(0)
                    .withBackend(backend).withStore(StoreKind.EMBEDDED).withProgress(l -> System.out.println("  " + l)));
            Lab l = two;
            await(backend + ": h1 reaches h2").atMost(LIMIT).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                List<String> cmd = new ArrayList<>(dev.crossnet.SelfCommand.argv());
                cmd.addAll(List.of("status", "--json", "--store", l.state().store(), "--prefix", l.state().prefix(), "--host-name", "h1"));
                Lab.ExecResult r = l.exec("h1", LIMIT, cmd.toArray(new String[0]));
                assertThat(r.exit()).as(r.err()).isZero();
                ClusterStatus s = ClusterStatus.fromJson(r.out());
                assertThat(s.host("h1").backend()).isEqualTo(backend.wire());
                assertThat(s.host("h1").peers()).singleElement().satisfies(p -> {
                    assertThat(p.name()).isEqualTo("h2");
                    assertThat(p.reachable()).isTrue();
                    assertThat(p.rttMs()).isNotNull().isPositive();
                });
                if (backend == Type.UDP) {
                    assertThat(s.host("h1").mode()).containsKeys("offloads", "udpGso", "udpGro", "batch");
                }
            });
            if (backend == Type.HOST_GW) {
                assertThat(two.exec("h1", "ip", "-o", "addr", "show", "dev", "crossnet-gw").out()).contains(
                        "inet " + two.host("h1").subnet().replace("/24", "/32"));
            }
        } catch (AssertionError | RuntimeException e) {
            if (two != null) {
                System.out.println(two.diagnostics());
            }
            throw e;
        } finally {
            System.out.println(Lab.down(name, stateRoot));
        }
    }
}

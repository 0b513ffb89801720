package dev.crossnet.lab;

import static dev.crossnet.lab.LabAgentIT.awaitPing;
import static dev.crossnet.lab.LabAgentIT.ping;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crossnet.lab.LabOptions.StoreKind;
import dev.crossnet.model.BackendConfig.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hosts joining and leaving a running lab, for both backends and both stores: peers reach a new
 * host's containers once its agent is ready, and forget a removed host completely (routes,
 * and for vxlan the neighbour and FDB entries). A host leaves by lease expiry (short TTL) in two
 * of the four runs and by an explicit release in the other two, so both paths run on both stores
 * and both backends. Needs root.
 */
@Tag("integration")
class LabMembershipIT {
    /** Short, so that expiry is quick; agents renew at half of it, which leaves a loaded machine 5 s to spare. */
    private static final Duration LEASE_TTL = Duration.ofSeconds(10);
    /**
     * Where the test releases h3's lease by hand, the lease must still be there to release: long
     * enough that a loaded machine cannot let it expire between stopping h3's agent and the release.
     */
    private static final Duration RELEASED_LEASE_TTL = Duration.ofMinutes(10);

    @RegisterExtension
    final LabExtension labs = new LabExtension();

    static Stream<Arguments> everyBackendAndStore() {
        return LabAgentIT.everyBackendAndStore();
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("everyBackendAndStore")
    void hostJoinsThenLeaves_peersReachIt_thenForgetItOnEveryPeer(Type backend, StoreKind store) throws Exception {
        // Half the cases forget h3 by its lease expiring, half by its lease being released.
        boolean expire = (backend == Type.VXLAN) == (store == StoreKind.EMBEDDED);
        Lab lab = labs.track(Lab.up(labs.options().withHosts(2).withContainersPerHost(1).withBackend(backend).withStore(store)
                .withLeaseTtl(expire ? LEASE_TTL : RELEASED_LEASE_TTL)));
        awaitPing(lab, "h1-c1", "h2-c1");

        assertThat(lab.addHost()).isEqualTo("h3");
        long ready = System.nanoTime();
        assertThat(lab.host("h3").underlayIp()).isEqualTo("172.30.0.13");
        assertThat(LabState.load(lab.dir()).orElseThrow().hosts()).hasSize(3);
        Map<String, CompletableFuture<Double>> reach = new LinkedHashMap<>();
        for (String from : List.of("h1-c1", "h2-c1")) {
            reach.put(from, CompletableFuture.supplyAsync(() -> secondsUntilPing(lab, from, lab.ip("h3-c1"), ready)));
        }
        Map<String, Double> seconds = new LinkedHashMap<>();
        for (var e : reach.entrySet()) {
            seconds.put(e.getKey(), e.getValue().get());
        }
        // How long the join took is for a benchmark to measure; here it is printed, never asserted.
        System.out.printf("join [%s, %s]: seconds from h3 ready to reaching h3-c1: %s (information only)%n",
                backend.wire(), store, seconds);
        awaitPing(lab, "h3-c1", "h1-c1");

        String subnet = lab.host("h3").subnet();
        String mac = backend == Type.VXLAN ? vtepMac(lab, "h3") : null;
        for (String peer : List.of("h1", "h2")) {
            assertThat(traces(lab, peer, subnet, mac)).as("%s knows h3 before it leaves", peer).allSatisfy(t -> assertThat(t).isNotBlank());
        }
        lab.stopAgent("h3");
        if (!expire) {
            lab.releaseLease("h3");
        }
        await("h3 forgotten on h1 and h2 (" + (expire ? "lease expiry" : "lease released") + ")")
                .atMost(LEASE_TTL.plus(LabAgentIT.CONVERGE)).pollInterval(Duration.ofMillis(200))
                .until(() -> traces(lab, "h1", subnet, mac).stream().allMatch(String::isBlank)
                        && traces(lab, "h2", subnet, mac).stream().allMatch(String::isBlank));
        assertThat(ping(lab, "h1-c1", lab.ip("h3-c1"))).as("h3-c1 unreachable once h3 left").isFalse();
        awaitPing(lab, "h2-c1", "h1-c1");
    }

    private static double secondsUntilPing(Lab lab, String from, String ip, long t0) {
        await(from + " -> " + ip).atMost(LabAgentIT.CONVERGE).pollInterval(Duration.ofMillis(20)).until(() -> ping(lab, from, ip));
        return Math.round((System.nanoTime() - t0) / 1e6) / 1000.0;
    }

    /** The VTEP MAC of a host's vxlan device, {@code crossnet.1}. */
    private static String vtepMac(Lab lab, String host) {
        String[] f = lab.exec(host, "ip", "-br", "link", "show", "crossnet.1").out().trim().split("\\s+");
        assertThat(f).hasSizeGreaterThan(2);
        return f[2];
    }

    /**
     * What {@code peer}'s kernel holds about a host: its route, and with {@code mac} (vxlan) the
     * neighbour and FDB entries for that VTEP. Blank strings when it holds nothing.
     */
    private static List<String> traces(Lab lab, String peer, String subnet, String mac) {
        List<String> out = new ArrayList<>();
        out.add(lab.exec(peer, "ip", "route", "show", subnet).out().strip());
        if (mac != null) {
            out.add(grep(lab.exec(peer, "ip", "neigh", "show", "dev", "crossnet.1").out(), mac));
            out.add(grep(lab.exec(peer, "bridge", "fdb", "show", "dev", "crossnet.1").out(), mac));
        }
        return out;
    }

    private static String grep(String text, String needle) {
        return String.join("\n", text.lines().filter(l -> l.contains(needle)).toList());
    }
}

package dev.crossnet.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.CrossnetException;
import dev.crossnet.kernel.FdbEntry;
import dev.crossnet.kernel.Neighbour;
import dev.crossnet.kernel.RecordingKernel;
import dev.crossnet.kernel.Route;
import dev.crossnet.model.Subnet;
import dev.crossnet.testing.LogCapture;
import dev.crossnet.testing.MutableClock;
import inet.ipaddr.IPAddressString;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Per-object failures and the write order of {@link KernelWriter}, on a {@link RecordingKernel}. No root. */
class KernelWriterTest {
    private static final Logger LOG = LoggerFactory.getLogger(KernelWriterTest.class);
    private static final String DEV = "crossnet.1";

    private final RecordingKernel kernel = new RecordingKernel();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-27T12:00:00Z"));
    private final AtomicInteger errors = new AtomicInteger();
    private final KernelWriter writer = new KernelWriter(kernel, LOG, "vxlan", clock, errors::incrementAndGet);
    private ch.qos.logback.classic.Level levelBefore;

    /** The recovery line is INFO; other tests in this JVM (the CLI's) may have turned the root level up. */
    @BeforeEach
    void logInfo() {
        ch.qos.logback.classic.Logger l = (ch.qos.logback.classic.Logger) LOG;
        levelBefore = l.getLevel();
        l.setLevel(ch.qos.logback.classic.Level.INFO);
    }

    @AfterEach
    void restoreLevel() {
        ((ch.qos.logback.classic.Logger) LOG).setLevel(levelBefore);
    }

    private static Route route(String subnet) {
        Subnet s = Subnet.parse(subnet);
        return new Route(s, s.network(), DEV, true);
    }

    private static Route routeVia(String subnet, String gateway) {
        return new Route(Subnet.parse(subnet), new IPAddressString(gateway).getAddress(), "eth0", false);
    }

    private static KernelState routes(Route... rs) {
        return new KernelState(Set.of(rs), Set.of(), Set.of());
    }

    private int program(KernelState desired) {
        return writer.program(desired, this::actual, List.of());
    }

    private KernelState actual() {
        return new KernelState(Set.copyOf(kernel.routes().listOwned()), Set.copyOf(kernel.neighbours().listPermanent(DEV)),
                Set.copyOf(kernel.fdb().listPermanent(DEV)));
    }

    @Test
    void program_kernelRefusesOneRoute_othersWrittenDeadDeletedLoggedOnceCountedPerAttempt() {
        kernel.routes().replaceRoutes(List.of(route("10.5.9.0/24")));
        kernel.refuse(route("10.5.1.0/24"), "Error: Nexthop has invalid gateway.");

        try (LogCapture logs = new LogCapture(KernelWriterTest.class)) {
            assertThat(program(routes(route("10.5.1.0/24"), route("10.5.2.0/24"), route("10.5.3.0/24")))).isEqualTo(1);
            assertThat(program(routes(route("10.5.1.0/24"), route("10.5.2.0/24"), route("10.5.3.0/24")))).isEqualTo(1);

            assertThat(kernel.routes.keySet()).containsExactlyInAnyOrder(Subnet.parse("10.5.2.0/24"), Subnet.parse("10.5.3.0/24"));
            assertThat(logs.lines()).singleElement().asString().startsWith("ERROR").contains("10.5.1.0/24", "invalid gateway");
        }
        assertThat(writer.failing()).containsExactly(List.of("replace", route("10.5.1.0/24")));
        assertThat(errors).hasValue(1); // the second pass was within the backoff: not tried, not counted again
    }

    @Test
    void program_refusedObject_retriedOnlyOnceItsBackoffIsOver_thenRecovers() {
        Route bad = route("10.5.1.0/24");
        kernel.refuse(bad, "Error: Nexthop has invalid gateway.");
        program(routes(bad));
        kernel.clearCalls();

        program(routes(bad));
        assertThat(kernel.calls).isEmpty();

        clock.advance(KernelWriter.RETRY_MIN);
        program(routes(bad));
        assertThat(kernel.calls).containsExactly("replaceRoutes [" + bad + "]");
        assertThat(errors).hasValue(2);

        // The next wait is twice as long: half of it is not enough.
        kernel.clearCalls();
        clock.advance(KernelWriter.RETRY_MIN);
        program(routes(bad));
        assertThat(kernel.calls).isEmpty();

        kernel.refused.clear();
        clock.advance(KernelWriter.RETRY_MIN);
        try (LogCapture logs = new LogCapture(KernelWriterTest.class)) {
            assertThat(program(routes(bad))).isZero();
            assertThat(logs.lines()).singleElement().asString().contains("programmed again");
        }
        assertThat(kernel.routes).containsKey(bad.dst());
        assertThat(writer.failing()).isEmpty();
    }

    @Test
    void program_backoffNeverLongerThanTheMaximum() {
        Route bad = route("10.5.1.0/24");
        kernel.refuse(bad, "refused");
        for (int i = 0; i < 10; i++) {
            program(routes(bad));
            clock.advance(KernelWriter.RETRY_MAX);
        }
        assertThat(errors).hasValue(10); // tried on every pass once RETRY_MAX had passed
    }

    @Test
    void program_refusedObjectChangesInTheStore_newValueWrittenAtOnce() {
        kernel.refuse(routeVia("10.5.1.0/24", "10.200.0.1"), "Error: Nexthop has invalid gateway.");
        program(routes(routeVia("10.5.1.0/24", "10.200.0.1")));

        program(routes(routeVia("10.5.1.0/24", "172.30.0.12")));

        assertThat(kernel.routes.get(Subnet.parse("10.5.1.0/24")).via().toString()).isEqualTo("172.30.0.12");
        assertThat(writer.failing()).isEmpty();
    }

    @Test
    void program_refusedObjectNoLongerWanted_forgotten() {
        kernel.refuse(route("10.5.1.0/24"), "refused");
        program(routes(route("10.5.1.0/24")));

        assertThat(program(routes())).isZero();
        assertThat(writer.failing()).isEmpty();
    }

    /** The package's write order: replaces (neighbour, FDB, route) before deletes (route, neighbour, FDB). */
    @Test
    void program_peerMoves_replacesInPlaceBeforeAnyDelete() {
        Neighbour n1 = new Neighbour(new IPAddressString("10.5.1.0").getAddress(), "0a:00:00:00:00:01", DEV);
        FdbEntry f1 = new FdbEntry("0a:00:00:00:00:01", new IPAddressString("172.30.0.12").getAddress(), DEV);
        Neighbour n2 = new Neighbour(new IPAddressString("10.5.2.0").getAddress(), "0a:00:00:00:00:02", DEV);
        FdbEntry f2 = new FdbEntry("0a:00:00:00:00:02", new IPAddressString("172.30.0.13").getAddress(), DEV);
        program(new KernelState(Set.of(route("10.5.1.0/24"), route("10.5.2.0/24")), Set.of(n1, n2), Set.of(f1, f2)));
        kernel.clearCalls();

        // Peer 10.5.1.0/24 moves to another host and MAC; peer 10.5.2.0/24 leaves; 10.5.3.0/24 joins.
        Neighbour moved = new Neighbour(n1.ip(), "0a:00:00:00:00:11", DEV);
        FdbEntry movedFdb = new FdbEntry("0a:00:00:00:00:11", new IPAddressString("172.30.0.14").getAddress(), DEV);
        Neighbour n3 = new Neighbour(new IPAddressString("10.5.3.0").getAddress(), "0a:00:00:00:00:03", DEV);
        FdbEntry f3 = new FdbEntry("0a:00:00:00:00:03", new IPAddressString("172.30.0.15").getAddress(), DEV);
        program(new KernelState(Set.of(route("10.5.1.0/24"), route("10.5.3.0/24")), Set.of(moved, n3), Set.of(movedFdb, f3)));

        assertThat(kernel.calls).extracting(c -> c.substring(0, c.indexOf(' '))).containsExactly(
                "replaceNeighbours", "replaceFdb", "replaceRoutes", "deleteRoutes", "deleteNeighbours", "deleteFdb");
        assertThat(kernel.calls.get(0)).contains(moved.toString(), n3.toString());
        assertThat(kernel.calls.get(4)).isEqualTo("deleteNeighbours [" + n2 + "]"); // the moved one was replaced, not deleted
        assertThat(kernel.calls.get(5)).contains(f1.toString(), f2.toString());
        assertThat(kernel.neighbours.values()).containsExactlyInAnyOrder(moved, n3);
        assertThat(kernel.fdb.values()).containsExactlyInAnyOrder(movedFdb, f3);
    }

    @Test
    void program_oneRefusedNeighbour_itsFdbEntryAndRouteStillWritten() {
        Neighbour bad = new Neighbour(new IPAddressString("10.5.1.0").getAddress(), "0a:00:00:00:00:01", DEV);
        FdbEntry fdb = new FdbEntry("0a:00:00:00:00:01", new IPAddressString("172.30.0.12").getAddress(), DEV);
        Neighbour good = new Neighbour(new IPAddressString("10.5.2.0").getAddress(), "0a:00:00:00:00:02", DEV);
        kernel.refuse(bad, "RTNETLINK answers: Invalid argument");

        program(new KernelState(Set.of(route("10.5.1.0/24")), Set.of(bad, good), Set.of(fdb)));

        assertThat(kernel.neighbours.values()).containsExactly(good);
        assertThat(kernel.fdb.values()).containsExactly(fdb);
        assertThat(kernel.routes).containsKey(Subnet.parse("10.5.1.0/24"));
        assertThat(writer.failing()).containsExactly(List.of("replace", bad));
    }

    @Test
    void program_kernelUnreadable_nothingWrittenLoggedOnceCountedEachPass() {
        try (LogCapture logs = new LogCapture(KernelWriterTest.class)) {
            for (int i = 0; i < 3; i++) {
                int failing = writer.program(routes(route("10.5.1.0/24")), () -> {
                    throw new CrossnetException("cannot list routes: ip exited with code 1");
                }, List.of());
                assertThat(failing).isEqualTo(1);
            }
            assertThat(logs.lines()).singleElement().asString().contains("cannot list routes");
        }
        assertThat(kernel.calls).isEmpty();
        assertThat(errors).hasValue(3);
    }

    @Test
    void program_skippedRecords_loggedOncePerChange() {
        try (LogCapture logs = new LogCapture(KernelWriterTest.class)) {
            writer.program(routes(), this::actual, List.of("peer 10.5.4.0/24: PublicIP 255.255.255.255 is broadcast; skipped"));
            writer.program(routes(), this::actual, List.of("peer 10.5.4.0/24: PublicIP 255.255.255.255 is broadcast; skipped"));
            writer.program(routes(), this::actual, List.of("peer 10.5.4.0/24: PublicIP 255.255.255.0 is ...; skipped"));
            assertThat(logs.lines()).hasSize(2).allSatisfy(l -> assertThat(l).startsWith("WARN"));
        }
        assertThat(errors).hasValue(0);
        clock.advance(Duration.ZERO);
    }
}

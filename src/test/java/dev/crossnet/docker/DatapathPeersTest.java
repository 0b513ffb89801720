package dev.crossnet.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.kernel.FdbEntry;
import dev.crossnet.kernel.RecordingKernel;
import dev.crossnet.kernel.RecordingSegments;
import dev.crossnet.model.Subnet;
import dev.crossnet.testing.LogCapture;
import inet.ipaddr.IPAddressString;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What {@link Datapath#programPeers} does with remote endpoint records that make no sense. No root. */
class DatapathPeersTest {
    private static final NetworkRecord NET = new NetworkRecord("n".repeat(64), "net", "192.168.100.0/24", "192.168.100.1",
            "", 4096, Map.of(), true, Map.of(), "crossnet", Map.of(), "h2", "");
    private static final EndpointRecord GOOD = endpoint("e2", "172.30.0.12", "192.168.100.3/24", "02:42:c0:a8:64:03");

    private final RecordingKernel kernel = new RecordingKernel();
    private final Datapath datapath = new Datapath(kernel, new RecordingSegments(kernel),
            TestHosts.host("h1", new IPAddressString("172.30.0.11").getAddress(), "eth0", 1500, Subnet.parse("172.30.0.0/24")));

    static EndpointRecord endpoint(String id, String hostIp, String address, String mac) {
        return new EndpointRecord(NET.id(), id.repeat(8), "h2", hostIp, address, mac, "cnv" + id, "");
    }

    @ParameterizedTest(name = "{0} {1} {2} -> {3}")
    @CsvSource(delimiter = '|', value = {
        "x               | 192.168.100.4/24 | 02:42:c0:a8:64:04 | HostIP \"x\" is not an IPv4 address",
        "''              | 192.168.100.4/24 | 02:42:c0:a8:64:04 | HostIP \"\" is not an IPv4 address",
        "255.255.255.255 | 192.168.100.4/24 | 02:42:c0:a8:64:04 | HostIP 255.255.255.255 is the limited broadcast address",
        "224.0.0.1       | 192.168.100.4/24 | 02:42:c0:a8:64:04 | HostIP 224.0.0.1 is multicast",
        "172.30.0.11     | 192.168.100.4/24 | 02:42:c0:a8:64:04 | HostIP 172.30.0.11 is this host's own",
        "172.30.0.13     | banana           | 02:42:c0:a8:64:04 | Address \"banana\" is not an IPv4 address in 192.168.100.0/24",
        "172.30.0.13     | 10.0.0.4/24      | 02:42:c0:a8:64:04 | Address \"10.0.0.4/24\" is not an IPv4 address in 192.168.100.0/24",
        "172.30.0.13     | 192.168.100.4/24 | 01:00:5e:00:00:01 | MacAddress 01:00:5e:00:00:01 is a multicast MAC",
        "172.30.0.13     | 192.168.100.4/24 | 00:00:00:00:00:00 | MacAddress 00:00:00:00:00:00 is all zeros",
        "172.30.0.13     | 192.168.100.4/24 | zz                | MacAddress \"zz\" is not a MAC address",
    })
    void programPeers_badRemoteEndpoint_skippedNamingFieldOthersProgrammed(String hostIp, String address, String mac,
                                                                          String expected) {
        EndpointRecord bad = endpoint("e4", hostIp, address, mac);
        try (LogCapture logs = new LogCapture(Datapath.class)) {
            datapath.programPeers(NET, List.of(bad, GOOD));
            datapath.programPeers(NET, List.of(bad, GOOD));

            assertThat(kernel.fdb.values()).containsExactly(new FdbEntry("02:42:c0:a8:64:03",
                    new IPAddressString("172.30.0.12").getAddress(), "cnvx4096"));
            assertThat(kernel.neighbours.values()).extracting(Object::toString)
                    .containsExactly("192.168.100.3 lladdr 02:42:c0:a8:64:03 dev cnvx4096");
            assertThat(logs.lines()).singleElement().asString()
                    .contains("endpoint e4e4e4e4e4e4 on host h2", expected, "skipped");
        }
    }

    @Test
    void programPeers_duplicateMac_firstEndpointWinsOtherSkipped() {
        EndpointRecord twin = endpoint("e9", "172.30.0.13", "192.168.100.9/24", "02:42:c0:a8:64:03");

        datapath.programPeers(NET, List.of(twin, GOOD));

        assertThat(kernel.fdb.values()).extracting(FdbEntry::dst).extracting(Object::toString).containsExactly("172.30.0.12");
    }

    @Test
    void programPeers_kernelRefusesOneFdbLine_othersStillWrittenAndDeadOnesDeleted() {
        EndpointRecord dead = endpoint("e5", "172.30.0.15", "192.168.100.5/24", "02:42:c0:a8:64:05");
        EndpointRecord refused = endpoint("e6", "172.30.0.16", "192.168.100.6/24", "02:42:c0:a8:64:06");
        datapath.programPeers(NET, List.of(dead));
        kernel.refuse(new FdbEntry("02:42:c0:a8:64:06", new IPAddressString("172.30.0.16").getAddress(), "cnvx4096"),
                "RTNETLINK answers: Invalid argument");

        try (LogCapture logs = new LogCapture(Datapath.class)) {
            List<EndpointRecord> now = new ArrayList<>(List.of(refused, GOOD));
            datapath.programPeers(NET, now);
            datapath.programPeers(NET, now);

            assertThat(kernel.fdb.values()).extracting(FdbEntry::mac).containsExactly("02:42:c0:a8:64:03");
            assertThat(kernel.neighbours.values()).extracting(Object::toString).containsExactlyInAnyOrder(
                    "192.168.100.3 lladdr 02:42:c0:a8:64:03 dev cnvx4096",
                    "192.168.100.6 lladdr 02:42:c0:a8:64:06 dev cnvx4096");
            assertThat(logs.lines()).singleElement().asString()
                    .startsWith("ERROR").contains("02:42:c0:a8:64:06 dev cnvx4096 dst 172.30.0.16", "Invalid argument");
        }
    }

    /**
     * The engine's write order on the Docker path too (it deleted first): an endpoint whose host
     * moved keeps its FDB entry, replaced in place with the new host, never deleted and re-added.
     */
    @Test
    void programPeers_endpointMovesHost_fdbReplacedInPlaceNotDeleted() {
        datapath.programPeers(NET, List.of(GOOD));
        kernel.clearCalls();

        EndpointRecord moved = endpoint("e2", "172.30.0.14", "192.168.100.3/24", "02:42:c0:a8:64:03");
        datapath.programPeers(NET, List.of(moved));

        assertThat(kernel.calls).containsExactly("replaceFdb [02:42:c0:a8:64:03 dev cnvx4096 dst 172.30.0.14]");
        assertThat(kernel.fdb.values()).extracting(FdbEntry::dst).extracting(Object::toString).containsExactly("172.30.0.14");
    }
}

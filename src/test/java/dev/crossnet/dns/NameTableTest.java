package dev.crossnet.dns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.store.KeyValue;
import java.util.List;
import org.junit.jupiter.api.Test;

class NameTableTest {
    private static final String P = "/p";
    private final NameTable table = new NameTable(P);

    private void put(String net, String id, String ip, String... names) {
        NameRecord r = new NameRecord(net, id, "h1", ip, List.of(names));
        table.put(r.key(P), r.toJson());
    }

    @Test
    void resolve_askerOnTheSameNetwork_getsTheAddress_caseAndTrailingDotIgnored() {
        put("mv", "c1", "192.168.100.2", "busybox1");
        put("mv", "c2", "192.168.100.3", "BusyBox2", "web");
        assertThat(table.resolve("busybox2", "192.168.100.2")).containsExactly("192.168.100.3");
        assertThat(table.resolve("BUSYBOX2.", "192.168.100.2")).containsExactly("192.168.100.3");
        assertThat(table.resolve("web", "192.168.100.2")).containsExactly("192.168.100.3");
    }

    @Test
    void resolve_askerOnAnotherNetworkOrUnknown_getsNothing() {
        put("mv", "c1", "192.168.100.2", "busybox1");
        put("other", "c9", "10.9.0.2", "lonely");
        assertThat(table.resolve("busybox1", "10.9.0.2")).isEmpty();
        assertThat(table.resolve("busybox1", "10.99.0.1")).isEmpty();
        assertThat(table.resolve("nobody", "192.168.100.2")).isEmpty();
    }

    @Test
    void resolve_askerOnTwoNetworks_seesBoth_evenAskingFromOne() {
        put("a", "c1", "10.1.0.2", "multi");
        put("b", "c1", "10.2.0.2", "multi");
        put("a", "c2", "10.1.0.3", "onlya");
        put("b", "c3", "10.2.0.3", "onlyb");
        put("c", "c4", "10.3.0.2", "onlyc");
        // From either of its addresses, c1 sees the names of both of its networks, and no others.
        for (String from : new String[] {"10.1.0.2", "10.2.0.2"}) {
            assertThat(table.resolve("onlya", from)).as("network a, asked from %s", from).containsExactly("10.1.0.3");
            assertThat(table.resolve("onlyb", from)).as("network b, asked from %s", from).containsExactly("10.2.0.3");
            assertThat(table.resolve("multi", from)).as("own name, asked from %s", from)
                    .containsExactly("10.1.0.2", "10.2.0.2");
            assertThat(table.resolve("onlyc", from)).as("network c, asked from %s", from).isEmpty();
        }
        // A container on one of those networks only sees that one.
        assertThat(table.resolve("onlyb", "10.1.0.3")).isEmpty();
        assertThat(table.resolve("multi", "10.1.0.3")).containsExactly("10.1.0.2");
    }

    @Test
    void resolve_sharedAlias_givesEveryAddress() {
        put("mv", "c1", "192.168.100.2", "a", "web");
        put("mv", "c2", "192.168.100.3", "b", "web");
        assertThat(table.resolve("web", "192.168.100.2")).containsExactly("192.168.100.2", "192.168.100.3");
    }

    @Test
    void removeAndMalformed_dropTheRecord_replaceAllResets() {
        put("mv", "c1", "192.168.100.2", "a");
        put("mv", "c2", "192.168.100.3", "b");
        table.remove(P + "/dns/mv/c2");
        assertThat(table.resolve("b", "192.168.100.2")).isEmpty();
        table.put(P + "/dns/mv/c1", "{not json");
        assertThat(table.size()).isZero();
        table.put(P + "/dns/mv/c1", "{\"IPv4\":\"999.1.1.1\",\"Names\":[\"a\"]}");
        assertThat(table.size()).isZero();
        NameRecord r = new NameRecord("mv", "c5", "h2", "192.168.100.5", List.of("e"));
        table.replaceAll(List.of(new KeyValue(r.key(P), r.toJson(), 1, 1, null), new KeyValue("/p/dns/bad", "{}", 2, 2, null)));
        assertThat(table.size()).isEqualTo(1);
        assertThat(table.resolve("e", "192.168.100.5")).containsExactly("192.168.100.5");
    }

    @Test
    void recordJson_roundTrips() {
        NameRecord r = new NameRecord("mv", "abc", "h2", "192.168.100.4", List.of("Busybox2", "web", "busybox2"));
        assertThat(r.names()).containsExactly("busybox2", "web");
        assertThat(NameRecord.parse(P, r.key(P), r.toJson())).contains(r);
        assertThat(r.key(P)).isEqualTo("/p/dns/mv/abc");
    }
}

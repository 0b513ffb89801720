package dev.crossnet.lease;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.model.Lease;
import dev.crossnet.model.LeaseAttrs;
import dev.crossnet.model.LeaseEvent;
import dev.crossnet.model.Subnet;
import dev.crossnet.store.KeyValue;
import dev.crossnet.store.WatchEvent;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class LeaseWatcherTest {
    final LeaseRegistry registry = new LeaseRegistry(null, "/p");
    final LeaseWatcher watcher = new LeaseWatcher(registry);

    static Lease lease(String subnet, String ip, long rev) {
        return new Lease(Subnet.parse(subnet), new LeaseAttrs(ip, "vxlan", null), Instant.EPOCH.plusSeconds(rev), rev);
    }

    static WatchEvent put(String subnet, String ip, long rev) {
        Subnet s = Subnet.parse(subnet);
        return new WatchEvent.Put(new KeyValue("/p/subnets/" + s.key(),
                "{\"PublicIP\":\"" + ip + "\",\"BackendType\":\"vxlan\"}", rev, rev, Instant.EPOCH.plusSeconds(rev)));
    }

    @Test
    void reset_diffsAgainstWhatWasKnown() {
        watcher.reset(List.of(lease("10.5.1.0/24", "192.0.2.1", 1), lease("10.5.2.0/24", "192.0.2.2", 2)));
        List<LeaseEvent> ev = watcher.reset(List.of(lease("10.5.2.0/24", "192.0.2.2", 5), lease("10.5.3.0/24", "192.0.2.3", 6)));
        assertThat(ev).hasSize(2);
        assertThat(ev).filteredOn(e -> e instanceof LeaseEvent.Removed).extracting(e -> e.lease().subnet().toString())
                .containsExactly("10.5.1.0/24");
        assertThat(ev).filteredOn(e -> e instanceof LeaseEvent.Added).extracting(e -> e.lease().subnet().toString())
                .containsExactly("10.5.3.0/24");
    }

    @Test
    void apply_renewalIsNotAChange_butNewAttrsAre() {
        assertThat(watcher.apply(List.of(put("10.5.1.0/24", "192.0.2.1", 1)))).hasSize(1);
        assertThat(watcher.apply(List.of(put("10.5.1.0/24", "192.0.2.1", 9)))).isEmpty();
        List<LeaseEvent> ev = watcher.apply(List.of(put("10.5.1.0/24", "192.0.2.7", 10)));
        assertThat(ev).singleElement().isInstanceOf(LeaseEvent.Added.class);
        assertThat(watcher.current().get(Subnet.parse("10.5.1.0/24")).attrs().publicIp()).isEqualTo("192.0.2.7");
    }

    @Test
    void apply_deleteOfUnknownOrMalformedKey_isIgnored() {
        watcher.apply(List.of(put("10.5.1.0/24", "192.0.2.1", 1)));
        List<LeaseEvent> ev = watcher.apply(List.of(
                new WatchEvent.Delete("/p/subnets/garbage", 2, null),
                new WatchEvent.Put(new KeyValue("/p/subnets/10.5.9.0-24", "{not json", 3, 3, null)),
                new WatchEvent.Delete("/p/subnets/10.5.1.0-24", 4, null)));
        assertThat(ev).singleElement().isInstanceOf(LeaseEvent.Removed.class);
        assertThat(watcher.current()).isEmpty();
    }
}

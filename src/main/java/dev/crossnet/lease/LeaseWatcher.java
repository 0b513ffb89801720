package dev.crossnet.lease;

import dev.crossnet.model.Lease;
import dev.crossnet.model.LeaseEvent;
import dev.crossnet.model.Subnet;
import dev.crossnet.store.WatchEvent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Keeps the current set of leases and turns store changes into {@link LeaseEvent}s: a pure differ,
 * after flannel's {@code pkg/lease}. A store reset (after compaction or reconnect) hands over a full
 * snapshot, which is diffed against what was known, so no change is lost or reported twice.
 * Not thread-safe: one agent thread owns it.
 */
public final class LeaseWatcher {
    private final LeaseRegistry registry;
    private final Map<Subnet, Lease> current = new HashMap<>();

    public LeaseWatcher(LeaseRegistry registry) {
        this.registry = registry;
    }

    /** Replaces everything with {@code snapshot} and returns what changed. */
    public List<LeaseEvent> reset(Collection<Lease> snapshot) {
        List<LeaseEvent> events = new ArrayList<>();
        Map<Subnet, Lease> next = new HashMap<>();
        for (Lease l : snapshot) {
            next.put(l.subnet(), l);
        }
        for (Lease old : current.values()) {
            if (!next.containsKey(old.subnet())) {
                events.add(new LeaseEvent.Removed(old));
            }
        }
        for (Lease l : next.values()) {
            Lease old = current.get(l.subnet());
            if (old == null || !sameContent(old, l)) {
                events.add(new LeaseEvent.Added(l));
            }
        }
        current.clear();
        current.putAll(next);
        return events;
    }

    /** Applies store events under the subnets prefix and returns what changed. */
    public List<LeaseEvent> apply(List<WatchEvent> storeEvents) {
        List<LeaseEvent> events = new ArrayList<>();
        for (WatchEvent e : storeEvents) {
            if (e instanceof WatchEvent.Put p) {
                Lease l = registry.toLease(p.kv());
                if (l == null) {
                    continue;
                }
                Lease old = current.put(l.subnet(), l);
                if (old == null || !sameContent(old, l)) {
                    events.add(new LeaseEvent.Added(l));
                }
            } else if (e instanceof WatchEvent.Delete d) {
                Subnet s = registry.subnetOfKey(d.key());
                Lease old = s == null ? null : current.remove(s);
                if (old != null) {
                    events.add(new LeaseEvent.Removed(old));
                }
            }
        }
        return events;
    }

    /** The leases known now, keyed by subnet; unmodifiable view. */
    public Map<Subnet, Lease> current() {
        return Collections.unmodifiableMap(current);
    }

    /** Same host, same data plane: a renewal (new revision and expiry only) is not a change. */
    private static boolean sameContent(Lease a, Lease b) {
        return Objects.equals(a.attrs(), b.attrs()) && (a.expiration() == null) == (b.expiration() == null);
    }
}

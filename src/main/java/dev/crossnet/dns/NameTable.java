package dev.crossnet.dns;

import dev.crossnet.store.KeyValue;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every container name of the cluster, in memory, kept current from the store and asked by the DNS
 * server.
 *
 * <p>Scope rule (what a query may see). The asker is identified by the query's source address: the
 * containers holding that address on some crossnet network (Docker's embedded DNS forwards a
 * container's query from inside the container, so the source is the container's own address). The
 * asker resolves the names on every network those containers are attached to, on any host, and
 * nothing else. An address no record holds resolves nothing. This is Docker's rule for one host
 * (names are per network) stretched over the cluster.
 *
 * <p>Thread-safe: writers are serialised, and readers see an immutable index swapped in whole, so
 * a lookup never waits for a writer.
 */
public final class NameTable {
    private final String prefix;
    private final Map<String, NameRecord> records = new HashMap<>(); // by store key; guarded by this
    private volatile Index index = Index.build(List.of());

    /** @param prefix the store prefix whose {@code dns/} records this table holds */
    public NameTable(String prefix) {
        this.prefix = prefix;
    }

    /** Adds or replaces the record at {@code key}; a malformed one removes what was there. */
    public synchronized void put(String key, String value) {
        NameRecord r = NameRecord.parse(prefix, key, value).orElse(null);
        if (r == null) {
            records.remove(key);
        } else {
            records.put(key, r);
        }
        reindex();
    }

    public synchronized void remove(String key) {
        if (records.remove(key) != null) {
            reindex();
        }
    }

    /** Replaces everything with {@code snapshot} (after a watch reset). */
    public synchronized void replaceAll(Collection<KeyValue> snapshot) {
        records.clear();
        for (KeyValue kv : snapshot) {
            NameRecord.parse(prefix, kv.key(), kv.value()).ifPresent(r -> records.put(kv.key(), r));
        }
        reindex();
    }

    /**
     * The addresses {@code name} has for a query from {@code sourceIp}, under the scope rule above;
     * sorted, without duplicates. Empty when the name is unknown to the asker. Never blocks.
     */
    public List<String> resolve(String name, String sourceIp) {
        Index ix = index;
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".")) {
            n = n.substring(0, n.length() - 1);
        }
        Set<String> out = new TreeSet<>();
        for (String network : ix.networksOf(sourceIp)) {
            out.addAll(ix.byNetworkAndName.getOrDefault(network, Map.of()).getOrDefault(n, List.of()));
        }
        return List.copyOf(out);
    }

    public int size() {
        return index.size;
    }

    private void reindex() {
        index = Index.build(new ArrayList<>(records.values()));
    }

    /** Immutable lookup structures over one set of records. */
    private record Index(Map<String, Set<String>> containersByIp, Map<String, Set<String>> networksByContainer,
                         Map<String, Map<String, List<String>>> byNetworkAndName, int size) {

        static Index build(List<NameRecord> all) {
            Map<String, Set<String>> byIp = new HashMap<>();
            Map<String, Set<String>> byContainer = new HashMap<>();
            Map<String, Map<String, List<String>>> byName = new HashMap<>();
            for (NameRecord r : all) {
                byIp.computeIfAbsent(r.ipv4(), k -> new TreeSet<>()).add(r.containerId());
                byContainer.computeIfAbsent(r.containerId(), k -> new TreeSet<>()).add(r.network());
                Map<String, List<String>> names = byName.computeIfAbsent(r.network(), k -> new HashMap<>());
                for (String n : r.names()) {
                    names.computeIfAbsent(n, k -> new ArrayList<>()).add(r.ipv4());
                }
            }
            return new Index(byIp, byContainer, byName, all.size());
        }

        Set<String> networksOf(String sourceIp) {
            Set<String> nets = new TreeSet<>();
            for (String c : containersByIp.getOrDefault(sourceIp, Set.of())) {
                nets.addAll(networksByContainer.getOrDefault(c, Set.of()));
            }
            return nets;
        }
    }
}

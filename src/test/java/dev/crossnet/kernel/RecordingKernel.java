package dev.crossnet.kernel;

import dev.crossnet.CrossnetException;
import dev.crossnet.model.Subnet;
import inet.ipaddr.IPAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A {@link Kernel} that keeps state in memory, with the same keys and ownership rules as the Linux
 * kernel (a route per destination, a neighbour per (dev, ip), an FDB entry per (dev, mac); only
 * routes written through {@link Routes} are crossnet's), and records every write call. It can be told
 * to refuse an entry, as the kernel refuses one line of a forced batch ({@link #refuse}). For unit
 * tests; not thread-safe.
 */
public final class RecordingKernel implements Kernel {

    /** Every write, in order, e.g. {@code replaceRoutes [10.5.2.0/24 via …]}. Empty batches are not recorded. */
    public final List<String> calls = new ArrayList<>();
    public final Map<String, Link> links = new LinkedHashMap<>();
    /** Routes by destination, with whether crossnet owns them. */
    public final Map<Subnet, Route> routes = new LinkedHashMap<>();
    public final Map<Subnet, Boolean> routeOwned = new LinkedHashMap<>();
    /** Gateway-less routes by destination, as {@link Routes#ensureDeviceRoute} writes them. */
    public final Map<Subnet, DeviceRoute> deviceRoutes = new LinkedHashMap<>();
    public final Map<List<Object>, Neighbour> neighbours = new LinkedHashMap<>();
    public final Map<List<Object>, FdbEntry> fdb = new LinkedHashMap<>();
    public final Map<Chain, List<String>> chains = new LinkedHashMap<>();
    public final Map<String, String> sysctls = new LinkedHashMap<>();
    /** Entries the kernel refuses to write, with its message: see {@link #refuse}. */
    public final Map<Object, String> refused = new LinkedHashMap<>();
    /** Packet counters by (chain, rule), as a test sets them; rules without one count 0. */
    public final Map<List<Object>, Long> packets = new LinkedHashMap<>();
    private int nextIndex = 10;

    /**
     * Makes every later replace of {@code entry} (a {@link Route}, {@link Neighbour} or {@link
     * FdbEntry}) fail with {@code kernelMessage}, as one refused line of {@code ip -force -batch}:
     * the other entries of the batch are still written, then the call throws naming the refused ones.
     */
    public void refuse(Object entry, String kernelMessage) {
        refused.put(entry, kernelMessage);
    }

    private boolean accepted(Object entry) {
        return !refused.containsKey(entry);
    }

    /** Throws as a forced batch does after running every line, when some of {@code items} were refused. */
    private void failRefused(String what, Collection<?> items) {
        List<String> errors = items.stream().filter(i -> !accepted(i))
                .map(i -> "\"" + i + "\": " + refused.get(i)).toList();
        if (errors.isEmpty()) {
            return;
        }
        if (items.size() == 1) {
            throw new CrossnetException("cannot " + what + ": " + errors.get(0));
        }
        throw new PartlyAppliedException("cannot " + what + " (" + errors.size() + " of " + items.size()
                + " lines failed; the others were applied): " + String.join("; ", errors),
                errors.stream().map(e -> "cannot " + what + ": " + e).toList());
    }

    /** Adds a route crossnet did not make (as another routing daemon would). */
    public void addForeignRoute(Route r) {
        routes.put(r.dst(), r);
        routeOwned.put(r.dst(), false);
    }

    /** Adds a device as if someone else had made it. */
    public void addLink(Link link) {
        links.put(link.name(), link);
    }

    /** This kernel with {@code firewall} in place of its own (e.g. the real iptables code on a fake of the tools). */
    public Kernel withFirewall(Firewall firewall) {
        Kernel self = this;
        return new Kernel() {
            @Override
            public Links links() {
                return self.links();
            }

            @Override
            public Routes routes() {
                return self.routes();
            }

            @Override
            public Neighbours neighbours() {
                return self.neighbours();
            }

            @Override
            public Fdb fdb() {
                return self.fdb();
            }

            @Override
            public Firewall firewall() {
                return firewall;
            }

            @Override
            public Sysctl sysctl() {
                return self.sysctl();
            }
        };
    }

    /** Forgets the call log, keeping the state. */
    public void clearCalls() {
        calls.clear();
    }

    private void record(String verb, Collection<?> items) {
        if (!items.isEmpty()) {
            calls.add(verb + " " + items);
        }
    }

    @Override
    public Links links() {
        return new Links() {
            @Override
            public Optional<Link> find(String name) {
                return Optional.ofNullable(links.get(name));
            }

            @Override
            public Link ensureVxlan(VxlanSpec spec) {
                Link existing = links.get(spec.name());
                if (existing == null) {
                    calls.add("createVxlan " + spec.name());
                    Link l = new Link(spec.name(), nextIndex++, "vxlan", spec.mac(), spec.mtu(), true,
                            new Link.VxlanInfo(spec.vni(), spec.port(), spec.localIp(), spec.underlayDev(),
                                    spec.learning()), List.of());
                    links.put(l.name(), l);
                    return l;
                }
                List<String> d = spec.differencesFrom(existing);
                if (!d.isEmpty()) {
                    throw new CrossnetException("device " + spec.name() + " already exists with incompatible settings: "
                            + String.join(", ", d));
                }
                if (existing.mtu() != spec.mtu() || !existing.up()) {
                    calls.add("setLink " + spec.name() + " mtu " + spec.mtu() + " up");
                    existing = new Link(existing.name(), existing.index(), existing.kind(), existing.mac(), spec.mtu(),
                            true, existing.vxlan(), existing.addresses());
                    links.put(existing.name(), existing);
                }
                return existing;
            }

            @Override
            public void ensureOnlyAddress(String dev, IPAddress address) {
                Link l = links.get(dev);
                if (l == null) {
                    throw new CrossnetException("cannot set the address of device " + dev + ": it does not exist");
                }
                if (l.addresses().stream().filter(IPAddress::isIPv4).toList().equals(List.of(address))) {
                    return;
                }
                List<IPAddress> kept = new ArrayList<>(l.addresses().stream().filter(a -> !a.isIPv4()).toList());
                kept.add(address);
                calls.add("setAddress " + dev + " " + address);
                links.put(dev, new Link(l.name(), l.index(), l.kind(), l.mac(), l.mtu(), l.up(), l.vxlan(), kept));
            }

            @Override
            public void ensureBridge(String name) {
                Link l = links.get(name);
                if (l != null && !"bridge".equals(l.kind())) {
                    throw new CrossnetException("device " + name + " already exists and is a " + l.kind() + " device, not a bridge");
                }
                if (l == null || !l.up()) {
                    calls.add("ensureBridge " + name);
                    links.put(name, new Link(name, l == null ? nextIndex++ : l.index(), "bridge", "02:00:00:00:00:01", 1500, true, null,
                            l == null ? List.of() : l.addresses()));
                }
            }

            @Override
            public void ensureUp(String dev, int mtu) {
                Link l = links.get(dev);
                if (l == null) {
                    throw new CrossnetException("cannot set up device " + dev + ": it does not exist");
                }
                if (l.mtu() != mtu || !l.up()) {
                    calls.add("setLink " + dev + " mtu " + mtu + " up");
                    links.put(dev, new Link(l.name(), l.index(), l.kind(), l.mac(), mtu, true, l.vxlan(), l.addresses()));
                }
            }

            @Override
            public void deleteIfPresent(String name) {
                if (links.remove(name) != null) {
                    calls.add("deleteLink " + name);
                }
            }
        };
    }

    @Override
    public Routes routes() {
        return new Routes() {
            @Override
            public List<Route> listOwned() {
                return routes.values().stream().filter(r -> routeOwned.get(r.dst())).toList();
            }

            @Override
            public void replaceRoutes(Collection<Route> rs) {
                record("replaceRoutes", rs);
                for (Route r : rs) {
                    if (accepted(r)) {
                        deviceRoutes.remove(r.dst());
                        routes.put(r.dst(), r);
                        routeOwned.put(r.dst(), true);
                    }
                }
                failRefused("replace routes", rs);
            }

            @Override
            public void deleteRoutesIfPresent(Collection<Route> rs) {
                record("deleteRoutes", rs);
                for (Route r : rs) {
                    // As "ip route del DST via GW dev DEV proto 152": only an exact, owned match goes.
                    if (r.equals(routes.get(r.dst())) && routeOwned.get(r.dst())) {
                        routes.remove(r.dst());
                        routeOwned.remove(r.dst());
                    }
                }
            }

            @Override
            public void ensureDeviceRoute(DeviceRoute r) {
                Link l = links.get(r.dev());
                if (l == null) {
                    throw new CrossnetException("cannot replace route " + r + ": Cannot find device \"" + r.dev() + "\"");
                }
                if (!r.equals(deviceRoutes.get(r.dst()))) {
                    calls.add("replaceDeviceRoute " + r);
                    // One route per destination: it takes the place of a gateway route to the same block.
                    routes.remove(r.dst());
                    routeOwned.remove(r.dst());
                    deviceRoutes.put(r.dst(), r);
                }
            }
        };
    }

    @Override
    public Neighbours neighbours() {
        return new Neighbours() {
            @Override
            public List<Neighbour> listPermanent(String dev) {
                return neighbours.values().stream().filter(n -> n.dev().equals(dev)).toList();
            }

            @Override
            public void replaceNeighbours(Collection<Neighbour> ns) {
                record("replaceNeighbours", ns);
                ns.stream().filter(RecordingKernel.this::accepted).forEach(n -> neighbours.put(List.of(n.dev(), n.ip()), n));
                failRefused("replace neighbours", ns);
            }

            @Override
            public void deleteNeighboursIfPresent(Collection<Neighbour> ns) {
                record("deleteNeighbours", ns);
                ns.forEach(n -> neighbours.remove(List.of(n.dev(), n.ip())));
            }
        };
    }

    @Override
    public Fdb fdb() {
        return new Fdb() {
            @Override
            public List<FdbEntry> listPermanent(String dev) {
                return fdb.values().stream().filter(e -> e.dev().equals(dev)).toList();
            }

            @Override
            public void replaceFdbEntries(Collection<FdbEntry> es) {
                record("replaceFdb", es);
                es.stream().filter(RecordingKernel.this::accepted).forEach(e -> fdb.put(List.of(e.dev(), e.mac()), e));
                failRefused("replace fdb entries", es);
            }

            @Override
            public void deleteFdbEntriesIfPresent(Collection<FdbEntry> es) {
                record("deleteFdb", es);
                es.forEach(e -> fdb.remove(List.of(e.dev(), e.mac())));
            }
        };
    }

    @Override
    public Firewall firewall() {
        return new Firewall() {
            @Override
            public void replaceChain(Chain chain, List<String> rules) {
                // As IptablesFirewall does (IptablesFirewallTest): a chain that already holds these rules is not written.
                if (!rules.equals(chains.get(chain))) {
                    calls.add("replaceChain " + chain.chainName() + " " + rules);
                    chains.put(chain, List.copyOf(rules));
                }
            }

            @Override
            public List<String> listChain(Chain chain) {
                return chains.getOrDefault(chain, List.of());
            }

            @Override
            public Map<String, Long> packetCounts(Chain chain) {
                Map<String, Long> counts = new LinkedHashMap<>();
                for (String rule : listChain(chain)) {
                    counts.merge(rule, packets.getOrDefault(List.of(chain, rule), 0L), Long::sum);
                }
                return counts;
            }
        };
    }

    @Override
    public Sysctl sysctl() {
        return new Sysctl() {
            @Override
            public void ensure(String key, String value) {
                if (!value.equals(sysctls.get(key))) {
                    calls.add("sysctl " + key + "=" + value);
                    sysctls.put(key, value);
                }
            }

            @Override
            public String read(String key) {
                return sysctls.getOrDefault(key, "0");
            }
        };
    }
}

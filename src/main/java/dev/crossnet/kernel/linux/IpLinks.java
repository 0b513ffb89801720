package dev.crossnet.kernel.linux;

import dev.crossnet.CrossnetException;
import dev.crossnet.kernel.Link;
import dev.crossnet.kernel.Links;
import dev.crossnet.kernel.VxlanSpec;
import inet.ipaddr.IPAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@link Links}: read with rtnetlink ({@link RtnlLinks}: the device, then the address dump), written
 * with {@code ip -batch -}. Thread-safe.
 */
final class IpLinks implements Links {

    private final Commands commands;
    private final NetlinkSocket netlink;

    IpLinks(Commands commands, NetlinkSocket netlink) {
        this.commands = commands;
        this.netlink = netlink;
    }

    @Override
    public Optional<Link> find(String name) {
        return Optional.ofNullable(RtnlLinks.link(netlink, name));
    }

    @Override
    public Link ensureVxlan(VxlanSpec spec) {
        Optional<Link> existing = find(spec.name());
        if (existing.isEmpty()) {
            Batch.applySteps(commands, "ip", "create vxlan device " + spec.name(), List.of(
                    "link add " + spec.name() + " address " + spec.mac() + " mtu " + spec.mtu()
                            + " type vxlan id " + spec.vni() + " dstport " + spec.port()
                            + " local " + spec.localIp().toCanonicalString() + " dev " + spec.underlayDev()
                            + (spec.learning() ? " learning" : " nolearning"),
                    "link set " + spec.name() + " up"));
            return find(spec.name()).orElseThrow(() ->
                    new CrossnetException("vxlan device " + spec.name() + " vanished right after it was created"));
        }
        Link link = existing.get();
        List<String> differences = spec.differencesFrom(link);
        if (!differences.isEmpty()) {
            throw new CrossnetException("device " + spec.name() + " already exists with incompatible settings: "
                    + String.join(", ", differences) + "; delete it (ip link del " + spec.name()
                    + ") or change the network config to match");
        }
        // Adopt: the MAC stays (peers have it in their FDB), the device is not re-created, so traffic
        // keeps flowing across an agent restart.
        if (link.mtu() != spec.mtu() || !link.up()) {
            Batch.applySteps(commands, "ip", "set up vxlan device " + spec.name(),
                    List.of("link set " + spec.name() + " mtu " + spec.mtu() + " up"));
            link = find(spec.name()).orElseThrow();
        }
        return link;
    }

    @Override
    public void ensureBridge(String name) {
        Optional<Link> existing = find(name);
        if (existing.isEmpty()) {
            Batch.applySteps(commands, "ip", "create bridge " + name, List.of("link add " + name + " type bridge",
                    "link set " + name + " up"));
            return;
        }
        if (!"bridge".equals(existing.get().kind())) {
            throw new CrossnetException("device " + name + " already exists and is a " + existing.get().kind()
                    + " device, not a bridge; delete it (ip link del " + name + ")");
        }
        if (!existing.get().up()) {
            Batch.applySteps(commands, "ip", "set up bridge " + name, List.of("link set " + name + " up"));
        }
    }

    @Override
    public void ensureOnlyAddress(String dev, IPAddress address) {
        if (!address.isPrefixed()) {
            throw new IllegalArgumentException("address " + address + " needs a prefix length, e.g. /32");
        }
        Link link = find(dev).orElseThrow(() -> new CrossnetException("cannot set the address of device " + dev
                + ": it does not exist"));
        List<String> lines = new ArrayList<>();
        if (!link.addresses().contains(address)) {
            lines.add("address replace " + address.toCanonicalString() + " dev " + dev);
        }
        // Add before deleting, so that the device is never without an address.
        for (IPAddress other : link.addresses()) {
            if (other.isIPv4() && !other.equals(address)) {
                lines.add("address del " + other.toCanonicalString() + " dev " + dev);
            }
        }
        Batch.applySteps(commands, "ip", "set the address of " + dev + " to " + address.toCanonicalString(), lines);
    }

    @Override
    public void ensureUp(String dev, int mtu) {
        Link link = find(dev).orElseThrow(() -> new CrossnetException("cannot set up device " + dev
                + ": it does not exist"));
        if (link.mtu() != mtu || !link.up()) {
            Batch.applySteps(commands, "ip", "set up device " + dev, List.of("link set " + dev + " mtu " + mtu + " up"));
        }
    }

    @Override
    public void deleteIfPresent(String name) {
        Batch.applyDeletes(commands, "ip", "delete device " + name, List.of("link del " + name));
    }
}

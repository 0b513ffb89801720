package dev.crossnet.kernel.linux;

import dev.crossnet.kernel.Fdb;
import dev.crossnet.kernel.FdbEntry;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.List;

/**
 * {@link Fdb}: read with an rtnetlink dump of the device's forwarding database ({@link
 * RtnlNeighbours}), written with {@code bridge -force -batch -}. Thread-safe.
 */
final class BridgeFdb implements Fdb {

    private final Commands commands;
    private final NetlinkSocket netlink;
    private final ParseCache<ByteBuffer, List<FdbEntry>> parsed = new ParseCache<>();

    BridgeFdb(Commands commands, NetlinkSocket netlink) {
        this.commands = commands;
        this.netlink = netlink;
    }

    /** An unchanged database (the same MACs and destinations) gives the same list object as last time. */
    @Override
    public List<FdbEntry> listPermanent(String dev) {
        int index = RtnlLinks.index(netlink, dev);
        if (index == 0) {
            return List.of();
        }
        ByteBuffer reply = netlink.request(RtnlNeighbours.fdbRequest(index), "list the fdb of " + dev);
        return parsed.parse(dev, RtnlNeighbours.permanentFdb(reply, index), compact -> RtnlNeighbours.decodeFdb(compact, dev));
    }

    @Override
    public void replaceFdbEntries(Collection<FdbEntry> entries) {
        Batch.applyEach(commands, "bridge", "replace fdb entries", entries.stream()
                .map(e -> "fdb replace " + e.mac() + " dev " + e.dev() + " dst " + e.dst().toCanonicalString()
                        + " self permanent").toList());
    }

    @Override
    public void deleteFdbEntriesIfPresent(Collection<FdbEntry> entries) {
        Batch.applyDeletes(commands, "bridge", "delete fdb entries", entries.stream()
                .map(e -> "fdb del " + e.mac() + " dev " + e.dev() + " dst " + e.dst().toCanonicalString() + " self")
                .toList());
    }
}

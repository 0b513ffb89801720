package dev.crossnet.kernel.linux;

import dev.crossnet.kernel.Neighbour;
import dev.crossnet.kernel.Neighbours;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.List;

/**
 * {@link Neighbours}: read with an rtnetlink dump of the device's IPv4 neighbours ({@link
 * RtnlNeighbours}), written with {@code ip -force -batch -}. Thread-safe.
 */
final class IpNeighbours implements Neighbours {

    private final Commands commands;
    private final NetlinkSocket netlink;
    private final ParseCache<ByteBuffer, List<Neighbour>> parsed = new ParseCache<>();

    IpNeighbours(Commands commands, NetlinkSocket netlink) {
        this.commands = commands;
        this.netlink = netlink;
    }

    /** An unchanged listing (the same addresses and MACs) gives the same list object as last time. */
    @Override
    public List<Neighbour> listPermanent(String dev) {
        int index = RtnlLinks.index(netlink, dev);
        if (index == 0) {
            return List.of();
        }
        ByteBuffer reply = netlink.request(RtnlNeighbours.neighbourRequest(index), "list neighbours of " + dev);
        return parsed.parse(dev, RtnlNeighbours.permanentNeighbours(reply, index),
                compact -> RtnlNeighbours.decodeNeighbours(compact, dev));
    }

    @Override
    public void replaceNeighbours(Collection<Neighbour> neighbours) {
        Batch.applyEach(commands, "ip", "replace neighbours", neighbours.stream()
                .map(n -> "neigh replace " + n.ip().toCanonicalString() + " lladdr " + n.mac() + " dev " + n.dev()
                        + " nud permanent").toList());
    }

    @Override
    public void deleteNeighboursIfPresent(Collection<Neighbour> neighbours) {
        Batch.applyDeletes(commands, "ip", "delete neighbours", neighbours.stream()
                .map(n -> "neigh del " + n.ip().toCanonicalString() + " dev " + n.dev()).toList());
    }
}

package dev.crossnet.kernel.linux;

import dev.crossnet.CrossnetException;
import dev.crossnet.kernel.Neighbour;
import dev.crossnet.kernel.Neighbours;
import java.util.Collection;
import java.util.List;

/** {@link Neighbours} with {@code ip -j neigh show} and {@code ip -force -batch -}. Thread-safe. */
final class IpNeighbours implements Neighbours {

    private final Commands commands;
    private final ParseCache<List<Neighbour>> parsed = new ParseCache<>();

    IpNeighbours(Commands commands) {
        this.commands = commands;
    }

    @Override
    public List<Neighbour> listPermanent(String dev) {
        Commands.Result r = commands.ip(null, "-j", "-4", "neigh", "show", "dev", dev, "nud", "permanent");
        if (r.exitCode() != 0) {
            if (r.stderr().contains("Cannot find device")) {
                return List.of();
            }
            throw new CrossnetException("cannot list neighbours of " + dev + ": " + r.stderr().trim());
        }
        return parsed.parse(dev, r.stdout(), out -> List.copyOf(IpJson.neighbours(out, dev)));
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

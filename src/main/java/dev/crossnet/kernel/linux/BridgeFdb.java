package dev.crossnet.kernel.linux;

import dev.crossnet.CrossnetException;
import dev.crossnet.kernel.Fdb;
import dev.crossnet.kernel.FdbEntry;
import java.util.Collection;
import java.util.List;

/** {@link Fdb} with {@code bridge -j fdb show} and {@code bridge -force -batch -}. Thread-safe. */
final class BridgeFdb implements Fdb {

    private final Commands commands;
    private final ParseCache<List<FdbEntry>> parsed = new ParseCache<>();

    BridgeFdb(Commands commands) {
        this.commands = commands;
    }

    @Override
    public List<FdbEntry> listPermanent(String dev) {
        Commands.Result r = commands.bridge(null, "-j", "fdb", "show", "dev", dev);
        if (r.exitCode() != 0) {
            if (r.stderr().contains("Cannot find device")) {
                return List.of();
            }
            throw new CrossnetException("cannot list the fdb of " + dev + ": " + r.stderr().trim());
        }
        return parsed.parse(dev, r.stdout(), out -> List.copyOf(IpJson.fdb(out, dev)));
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

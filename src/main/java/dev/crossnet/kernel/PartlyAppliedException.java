package dev.crossnet.kernel;

import dev.crossnet.CrossnetException;
import java.util.List;

/**
 * A batch of independent entries (routes, neighbours, FDB entries) of which the kernel refused some
 * and took the others. {@link #refused()} has one sentence per refused entry, the same each time the
 * same entry is refused for the same reason, so that a loop can log each once per change.
 */
public class PartlyAppliedException extends CrossnetException {
    private final List<String> refused;

    /** @param refused one sentence per refused entry, e.g. {@code cannot replace routes: "10.5.9.0/24 via …": Nexthop has invalid gateway} */
    public PartlyAppliedException(String message, List<String> refused) {
        super(message);
        this.refused = List.copyOf(refused);
    }

    public List<String> refused() {
        return refused;
    }

    /** The sentences of {@code e} to report: one per refused entry, or its message when it is not a partial failure. */
    public static List<String> sentences(CrossnetException e) {
        return e instanceof PartlyAppliedException p ? p.refused() : List.of(e.getMessage());
    }
}

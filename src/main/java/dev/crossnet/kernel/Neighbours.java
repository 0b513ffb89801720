package dev.crossnet.kernel;

import java.util.Collection;
import java.util.List;

/** Permanent neighbour entries. Blocking; each call with many entries is one batch to the kernel. */
public interface Neighbours {

    /** The permanent IPv4 neighbours on {@code dev}; empty when the device does not exist. */
    List<Neighbour> listPermanent(String dev);

    /**
     * Adds or replaces each entry as permanent. Idempotent. Each entry is tried on its own: when
     * the kernel refuses some, the others are still written and the exception names the refused ones.
     */
    void replaceNeighbours(Collection<Neighbour> neighbours);

    /** Deletes each entry that exists; absent ones (and vanished devices) are skipped. Idempotent. */
    void deleteNeighboursIfPresent(Collection<Neighbour> neighbours);
}

package dev.crossnet.kernel;

import java.util.Collection;
import java.util.List;

/** A vxlan device's forwarding database. Blocking; each call with many entries is one batch. */
public interface Fdb {

    /**
     * The permanent unicast entries with a remote {@code dst} on {@code dev}; the all-zeros
     * flooding entries are never listed (crossnet does not make them). Empty when the device does
     * not exist.
     */
    List<FdbEntry> listPermanent(String dev);

    /**
     * Adds or replaces each entry as permanent. Idempotent. Each entry is tried on its own: when
     * the kernel refuses some, the others are still written and the exception names the refused ones.
     */
    void replaceFdbEntries(Collection<FdbEntry> entries);

    /** Deletes each entry that exists; absent ones (and vanished devices) are skipped. Idempotent. */
    void deleteFdbEntriesIfPresent(Collection<FdbEntry> entries);
}

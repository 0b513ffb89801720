package dev.crossnet.model;

import java.time.Instant;

/**
 * A host's claim on one subnet.
 *
 * @param expiration when the lease lapses, or null for a permanent reservation
 * @param revision   the store's modification revision of the lease key, for compare-and-set
 */
public record Lease(Subnet subnet, LeaseAttrs attrs, Instant expiration, long revision) {

    public boolean isPermanent() {
        return expiration == null;
    }
}

package dev.crossnet.model;

/** A change to the set of leases, as the lease watcher reports it. */
public sealed interface LeaseEvent permits LeaseEvent.Added, LeaseEvent.Removed {

    Lease lease();

    /** A lease appeared or its attributes changed. */
    record Added(Lease lease) implements LeaseEvent {
    }

    /** A lease was released or expired. */
    record Removed(Lease lease) implements LeaseEvent {
    }
}

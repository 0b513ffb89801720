package dev.crossnet.ipam;

/**
 * Why an address is taken. A {@link #GATEWAY} belongs to the pool, is shared by every host that
 * claims the pool, and stays reserved until the last claim is released; a {@link #CONTAINER}
 * address belongs to one endpoint on one host.
 */
public enum AddressKind {
    CONTAINER,
    GATEWAY
}

package dev.crossnet.kernel;

/**
 * Bridged vxlan segments and their container ports. Blocking; every verb is idempotent and adopts
 * what already exists with the right settings, so an agent restart changes nothing in the kernel.
 */
public interface Segments {

    /**
     * Makes the bridge (up, with {@link SegmentSpec#gateway()} as its only IPv4 address) and the
     * vxlan device ({@code nolearning proxy}, enslaved to the bridge, up) exist. {@code proxy} makes
     * the vxlan device answer ARP from its permanent neighbour entries, so ARP never floods.
     *
     * @throws dev.crossnet.CrossnetException when a device of that name exists with other settings
     */
    void ensureSegment(SegmentSpec spec);

    /** Deletes the vxlan device and the bridge when they exist. Idempotent. */
    void deleteSegmentIfPresent(SegmentSpec spec);

    /**
     * Makes a veth pair exist: {@code hostSide} enslaved to {@code bridge} and up, {@code peer}
     * with MAC {@code peerMac}, left down for Docker to move into the container. Idempotent.
     */
    void ensureVeth(String hostSide, String peer, String peerMac, int mtu, String bridge);

    /**
     * Makes the existing device {@code dev} (e.g. a TAP device) a port of {@code bridge}, with MTU
     * {@code mtu}, up. Idempotent.
     *
     * @throws dev.crossnet.CrossnetException when either device does not exist
     */
    void ensurePort(String dev, int mtu, String bridge);
}

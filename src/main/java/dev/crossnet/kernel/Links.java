package dev.crossnet.kernel;

import inet.ipaddr.IPAddress;
import java.util.Optional;

/** Network devices and their addresses. Blocking; not thread-safe unless an implementation says so. */
public interface Links {

    /** The device named {@code name} with its addresses, or empty when there is none. */
    Optional<Link> find(String name);

    /**
     * Creates the vxlan device when it is absent (with the spec's MAC and MTU, up). When a device of
     * that name exists it is adopted without being re-created, provided its kind, VNI, port, local
     * address, underlay device and learning flag match; its MAC is kept as it is (peers know it), its
     * MTU is set to the spec's and it is set up. Idempotent.
     *
     * @return the device as it now is (its {@link Link#mac()} is the VTEP MAC to publish)
     * @throws dev.crossnet.CrossnetException naming the device and every difference when an existing
     *         device is incompatible; nothing is changed then
     */
    Link ensureVxlan(VxlanSpec spec);

    /**
     * Creates a bridge with no ports named {@code name} when it is absent and sets it up (a dummy device would do,
     * but not every kernel has the dummy module); an existing device of that
     * name is adopted (set up) if it is a bridge. Idempotent.
     *
     * @throws dev.crossnet.CrossnetException when a device of that name exists and is not a bridge
     */
    void ensureBridge(String name);

    /**
     * Makes {@code address} (with prefix, e.g. {@code 10.5.1.0/32}) the only IPv4 address of
     * {@code dev}: adds it when missing and removes other IPv4 addresses. Idempotent.
     */
    void ensureOnlyAddress(String dev, IPAddress address);

    /**
     * Sets {@code dev}'s MTU to {@code mtu} and its administrative UP flag, unless both already are
     * so (then nothing is written). Idempotent.
     *
     * @throws dev.crossnet.CrossnetException when the device does not exist, or the kernel refuses the MTU
     */
    void ensureUp(String dev, int mtu);

    /** Deletes the device when it exists. Idempotent. */
    void deleteIfPresent(String name);
}

package dev.crossnet.kernel;

/** Kernel parameters of the namespace. Blocking. */
public interface Sysctl {

    /** Sets {@code net.ipv4.ip_forward} to 1. Idempotent. */
    default void ensureIpForwarding() {
        ensure("net/ipv4/ip_forward", "1");
    }

    /** Writes {@code value} to {@code /proc/sys/<key>} unless it already reads so. Idempotent. */
    void ensure(String key, String value);

    /** The trimmed value of {@code /proc/sys/<key>}. */
    String read(String key);
}

package dev.crossnet.kernel;

import dev.crossnet.model.Addresses;
import inet.ipaddr.IPAddress;

/**
 * How the value records hold an address without prefix in two fields, an {@code int} and a
 * reference: an IPv4 address as its 32 bits (the reference null), anything else as the address
 * itself. A parsed {@link IPAddress} keeps its text, its parse and string caches (~1 KiB), and an
 * agent keeps six addresses per peer in these records, so IPv4 ones are kept as numbers and built
 * again when asked for. Pure.
 */
final class CompactIp {

    private CompactIp() {
    }

    /** The 32 bits of {@code address} without prefix if it is one IPv4 address, else 0. */
    static int bits(IPAddress address) {
        IPAddress a = address.withoutPrefixLength();
        return isV4(a) ? a.toIPv4().intValue() : 0;
    }

    /** {@code address} without prefix unless it is one IPv4 address (then null: {@link #bits} holds it). */
    static IPAddress other(IPAddress address) {
        IPAddress a = address.withoutPrefixLength();
        return isV4(a) ? null : a;
    }

    /** The address held as {@code bits} and {@code other}: a new object for IPv4. */
    static IPAddress address(int bits, IPAddress other) {
        return other != null ? other : Addresses.ipv4(bits);
    }

    /** The address held as {@code bits} and {@code other}, as {@link IPAddress#toCanonicalString()} writes it. */
    static String text(int bits, IPAddress other) {
        return other != null ? other.toCanonicalString() : Addresses.dotted(bits);
    }

    private static boolean isV4(IPAddress a) {
        return a.isIPv4() && !a.isMultiple();
    }
}

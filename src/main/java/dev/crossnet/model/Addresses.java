package dev.crossnet.model;

import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import inet.ipaddr.IPAddressStringParameters;
import inet.ipaddr.ipv4.IPv4Address;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Checks on addresses that come from outside (the network config, other hosts' records): strict
 * IPv4 parsing, whether an IPv4 address can be a host's unicast address, whether a MAC can be a device's, and which
 * special-purpose ranges an overlay Network must stay out of. Pure; every method answers with the
 * reason as a sentence fragment, or null when the value is fine.
 */
public final class Addresses {

    /** A range with a special purpose (RFC 6890), and what it is for. */
    public record Special(Subnet range, String purpose) {
    }

    /** The ranges a Network must not overlap: no host, container or route of ours can live there. */
    public static final List<Special> NOT_FOR_NETWORKS = List.of(
            new Special(Subnet.parse("0.0.0.0/8"), "\"this network\", never a host's address"),
            new Special(Subnet.parse("127.0.0.0/8"), "loopback"),
            new Special(Subnet.parse("169.254.0.0/16"), "link-local"),
            new Special(Subnet.parse("224.0.0.0/4"), "multicast"),
            new Special(Subnet.parse("255.255.255.255/32"), "the limited broadcast address"));

    /** The ranges a host's unicast IPv4 address is never in (link-local is: some underlays use it). */
    private static final List<Special> NOT_UNICAST = List.of(
            NOT_FOR_NETWORKS.get(0), NOT_FOR_NETWORKS.get(1), NOT_FOR_NETWORKS.get(3), NOT_FOR_NETWORKS.get(4));

    private static final Pattern MAC = Pattern.compile("[0-9a-f]{2}(:[0-9a-f]{2}){5}");

    /** Dotted quads only: no inet_aton forms such as "10.1" (= 10.0.0.1), no prefixes, no IPv6. */
    private static final IPAddressStringParameters STRICT_IPV4 = new IPAddressStringParameters.Builder()
            .allowIPv6(false).allowPrefix(false).allowMask(false).allowEmpty(false).allowSingleSegment(false)
            .getIPv4AddressParametersBuilder().allow_inet_aton(false).getParentBuilder()
            .toParams();

    private Addresses() {
    }

    /**
     * {@code text} as an IPv4 address if it is a plain dotted quad (surrounding blanks aside), else
     * null. The address is built from its value ({@link #ipv4(int)}): one kept per peer must not keep
     * the text and parse that ipaddress attaches to a parsed address (~1 KiB each).
     */
    public static IPAddress parseIpv4(String text) {
        IPAddress a = text == null ? null : new IPAddressString(text.trim(), STRICT_IPV4).getAddress();
        return a == null || !a.isIPv4() ? null : ipv4(a.toIPv4().intValue());
    }

    /** The IPv4 address (no prefix) whose 32 bits are {@code bits}, e.g. 0x0a000001 for 10.0.0.1. */
    public static IPAddress ipv4(int bits) {
        return new IPv4Address(bits);
    }

    /** {@code 10.0.0.1} for 0x0a000001, as {@link IPAddress#toCanonicalString()} writes it. */
    public static String dotted(int bits) {
        return (bits >>> 24) + "." + (bits >>> 16 & 0xff) + "." + (bits >>> 8 & 0xff) + "." + (bits & 0xff);
    }

    /**
     * Why {@code ip} cannot be a host's unicast IPv4 address, e.g. {@code "is multicast (in
     * 224.0.0.0/4)"}, or null when it can. An IPv6 address is not one either.
     */
    public static String notUnicastIpv4(IPAddress ip) {
        if (ip == null || !ip.isIPv4()) {
            return "is not an IPv4 address";
        }
        IPAddress bare = ip.withoutPrefixLength();
        for (Special s : NOT_UNICAST) {
            if (s.range().contains(bare)) {
                return "is " + s.purpose() + " (in " + s.range() + "), not a unicast address";
            }
        }
        return null;
    }

    /**
     * Why {@code mac} cannot be a device's own MAC (colon-separated hex, as {@code ip link} prints
     * it), or null when it can: it must parse, be unicast (the first octet's low bit clear) and not
     * be all zeros.
     */
    public static String notUnicastMac(String mac) {
        if (mac == null || mac.isEmpty()) {
            return "is missing";
        }
        String m = mac.toLowerCase(Locale.ROOT);
        if (!MAC.matcher(m).matches()) {
            return "\"" + mac + "\" is not a MAC address like 0a:1b:2c:3d:4e:5f";
        }
        if ((Integer.parseInt(m.substring(0, 2), 16) & 1) != 0) {
            return mac + " is a multicast MAC (the first octet's low bit is set), not a device's";
        }
        if (m.equals("00:00:00:00:00:00")) {
            return mac + " is all zeros, not a device's";
        }
        return null;
    }

    /** The first special-purpose range {@code network} overlaps, or null. */
    public static Special overlapsSpecial(Subnet network) {
        for (Special s : NOT_FOR_NETWORKS) {
            if (s.range().overlaps(network)) {
                return s;
            }
        }
        return null;
    }
}

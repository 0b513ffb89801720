package dev.crossnet.model;

import inet.ipaddr.AddressStringException;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import inet.ipaddr.ipv4.IPv4Address;
import inet.ipaddr.ipv6.IPv6Address;
import java.util.Objects;

/**
 * A CIDR block whose host bits are all zero, e.g. {@code 10.5.34.0/24}. Immutable value (equality,
 * hash and order by block); IPv4 and IPv6 share this one type (the address family is a property,
 * not a twin class).
 *
 * <p>An agent keeps one per lease, and the kernel listings one per route, so thousands live at once:
 * an IPv4 block is held as its network address in an {@code int} and its prefix length (24 bytes in
 * all, where a parsed {@link IPAddress} keeps its text, its parse and its string caches, ~1 KiB), and
 * the hot questions (equality, order, containment) are answered on those numbers. {@link #block()}
 * and the address accessors build a fresh {@link IPAddress} on each call. An IPv6 block keeps its
 * {@link IPAddress} (rebuilt without the text it was parsed from).
 */
public final class Subnet implements Comparable<Subnet> {
    private static final int V4_BITS = 32;
    private static final int V6_BITS = 128;

    /** The network address of an IPv4 block. */
    private final int v4;
    private final int prefix;
    /** The block of an IPv6 subnet, null for IPv4. */
    private final IPAddress v6;

    /**
     * The subnet of {@code block}.
     *
     * @throws IllegalArgumentException when {@code block} is null, has no prefix or has host bits set
     */
    public Subnet(IPAddress block) {
        if (block == null || !block.isPrefixed() || !block.isPrefixBlock()) {
            throw new IllegalArgumentException("not a CIDR block: " + block);
        }
        this.prefix = block.getNetworkPrefixLength();
        if (block.isIPv4()) {
            this.v4 = block.getLower().toIPv4().intValue();
            this.v6 = null;
        } else {
            this.v4 = 0;
            // Built again from its bytes: the parsed address would keep its text and parse with it.
            this.v6 = new IPv6Address(block.getLower().getBytes(), prefix).toPrefixBlock();
        }
    }

    /**
     * Parses {@code a.b.c.d/n}. Host bits must be zero.
     *
     * @throws IllegalArgumentException with a message that quotes the input
     */
    public static Subnet parse(String cidr) {
        if (cidr == null || cidr.isBlank()) {
            throw new IllegalArgumentException("empty CIDR");
        }
        IPAddress addr;
        try {
            addr = new IPAddressString(cidr.trim()).toAddress();
        } catch (AddressStringException e) {
            throw new IllegalArgumentException("\"" + cidr + "\" is not a CIDR (" + e.getMessage() + ")");
        }
        if (addr == null || !addr.isPrefixed()) {
            throw new IllegalArgumentException("\"" + cidr + "\" is not a CIDR: it needs a /prefix");
        }
        if (!addr.isPrefixBlock()) {
            throw new IllegalArgumentException("\"" + cidr + "\" has host bits set; did you mean "
                    + addr.toPrefixBlock().toCanonicalString() + "?");
        }
        return new Subnet(addr);
    }

    /** Parses the store key form {@code 10.5.34.0-24}. */
    public static Subnet fromKey(String key) {
        int dash = key.lastIndexOf('-');
        if (dash < 0) {
            throw new IllegalArgumentException("not a subnet key: " + key);
        }
        return parse(key.substring(0, dash) + "/" + key.substring(dash + 1));
    }

    /** Builds the block of {@code prefixLength} that starts at {@code address}. */
    public static Subnet of(IPAddress address, int prefixLength) {
        return new Subnet(address.setPrefixLength(prefixLength, false).toPrefixBlock());
    }

    /** The block, e.g. {@code 10.5.34.0/24}: a new object on each call for IPv4. */
    public IPAddress block() {
        return v6 != null ? v6 : new IPv4Address(v4, prefix).toPrefixBlock();
    }

    /** The store key form, as flannel writes it: {@code 10.5.34.0-24}. */
    public String key() {
        return (v6 != null ? network().toCanonicalString() : Addresses.dotted(v4)) + "-" + prefix;
    }

    /** The network address without prefix, e.g. {@code 10.5.34.0}. */
    public IPAddress network() {
        return v6 != null ? v6.getLower().withoutPrefixLength() : new IPv4Address(v4);
    }

    public int prefixLength() {
        return prefix;
    }

    public boolean isIpv4() {
        return v6 == null;
    }

    public int bitCount() {
        return v6 != null ? V6_BITS : V4_BITS;
    }

    /** The first usable address, which the host's bridge or tunnel device carries (e.g. 10.5.34.1). */
    public IPAddress gateway() {
        return network().increment(1);
    }

    /** The n-th address of the block (0 is the network address). */
    public IPAddress address(long n) {
        return network().increment(n);
    }

    /** {@code 10.5.34.1/24}: the gateway with this block's prefix, as FLANNEL_SUBNET and --bip want it. */
    public String gatewayCidr() {
        return gateway().toCanonicalString() + "/" + prefixLength();
    }

    public boolean contains(Subnet other) {
        if (v6 != null || other.v6 != null) {
            return v6 != null && other.v6 != null && v6.contains(other.v6);
        }
        return other.prefix >= prefix && (other.v4 & mask(prefix)) == v4;
    }

    public boolean contains(IPAddress address) {
        if (v6 == null && address.isIPv4() && !address.isMultiple()) {
            return (address.toIPv4().intValue() & mask(prefix)) == v4;
        }
        return block().contains(address.withoutPrefixLength());
    }

    public boolean overlaps(Subnet other) {
        return contains(other) || other.contains(this);
    }

    /** The mask of an IPv4 prefix length: 24 gives 0xffffff00, 0 gives 0. */
    private static int mask(int prefixLength) {
        return prefixLength == 0 ? 0 : -1 << (V4_BITS - prefixLength);
    }

    /** As {@link IPAddress}'s order: IPv4 before IPv6, then the smaller block first, then by address. */
    @Override
    public int compareTo(Subnet o) {
        if (v6 != null || o.v6 != null) {
            return v6 == null ? -1 : o.v6 == null ? 1 : v6.compareTo(o.v6);
        }
        int byCount = Integer.compare(o.prefix, prefix);
        return byCount != 0 ? byCount : Integer.compareUnsigned(v4, o.v4);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Subnet s && s.v4 == v4 && s.prefix == prefix && Objects.equals(s.v6, v6);
    }

    @Override
    public int hashCode() {
        return v6 != null ? v6.hashCode() : v4 * 31 + prefix;
    }

    @Override
    public String toString() {
        return (v6 != null ? network().toCanonicalString() : Addresses.dotted(v4)) + "/" + prefix;
    }
}

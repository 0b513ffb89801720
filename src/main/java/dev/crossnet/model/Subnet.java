package dev.crossnet.model;

import inet.ipaddr.AddressStringException;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;

/**
 * A CIDR block whose host bits are all zero, e.g. {@code 10.5.34.0/24}. Immutable; IPv4 and IPv6
 * share this one type (the address family is a property, not a twin class).
 */
public record Subnet(IPAddress block) implements Comparable<Subnet> {

    public Subnet {
        if (block == null || !block.isPrefixed() || !block.isPrefixBlock()) {
            throw new IllegalArgumentException("not a CIDR block: " + block);
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

    /** The store key form, as flannel writes it: {@code 10.5.34.0-24}. */
    public String key() {
        return network().toCanonicalString() + "-" + prefixLength();
    }

    public IPAddress network() {
        return block.getLower().withoutPrefixLength();
    }

    public int prefixLength() {
        return block.getNetworkPrefixLength();
    }

    public boolean isIpv4() {
        return block.isIPv4();
    }

    public int bitCount() {
        return block.getBitCount();
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
        return block.contains(other.block);
    }

    public boolean contains(IPAddress address) {
        return block.contains(address.withoutPrefixLength());
    }

    public boolean overlaps(Subnet other) {
        return block.contains(other.block) || other.block.contains(block);
    }

    @Override
    public int compareTo(Subnet o) {
        return block.compareTo(o.block);
    }

    @Override
    public String toString() {
        return network().toCanonicalString() + "/" + prefixLength();
    }
}

package dev.crossnet.ipam;

import dev.crossnet.model.Subnet;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The slow, obviously-correct {@link Ipam}: plain maps in memory, addresses as numbers, every
 * candidate of the range tried in order. The differential test holds {@link StoreIpam} to it.
 */
final class ReferenceIpam implements Ipam {
    private record Claim(String name, Subnet subnet, Subnet range) {
    }

    private final Map<String, Claim> claims = new HashMap<>();
    /** pool (name + subnet) -> address -> kind */
    private final Map<String, TreeMap<BigInteger, AddressKind>> taken = new HashMap<>();
    private int next;

    @Override
    public PoolClaim requestPool(String name, String subnet, String range, boolean v6) {
        String n = name == null || name.isEmpty() ? DEFAULT_POOL_NAME : name;
        if (!n.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")) {
            throw new IpamException("bad name");
        }
        if (subnet == null || subnet.isEmpty()) {
            throw new IpamException("no subnet");
        }
        Subnet net = parse(subnet);
        if (net.isIpv4() == v6) {
            throw new IpamException("family");
        }
        Subnet r = range == null || range.isEmpty() ? net : parse(range);
        if (!net.contains(r)) {
            throw new IpamException("range outside");
        }
        for (Claim c : claims.values()) {
            if (c.name().equals(n) && !c.subnet().equals(net) && c.subnet().overlaps(net)) {
                throw new IpamException("overlap");
            }
        }
        String id = "ref" + (next++);
        claims.put(id, new Claim(n, net, r));
        return new PoolClaim(id, n, net, r);
    }

    @Override
    public void releasePool(String poolId) {
        Claim c = claim(poolId);
        claims.remove(poolId);
        if (claims.values().stream().noneMatch(o -> pool(o).equals(pool(c)))) {
            addresses(c).values().removeIf(k -> k == AddressKind.GATEWAY);
        }
    }

    @Override
    public String requestAddress(String poolId, String preferred, AddressKind kind) {
        Claim c = claim(poolId);
        TreeMap<BigInteger, AddressKind> used = addresses(c);
        if (preferred != null && !preferred.isEmpty()) {
            BigInteger ip = parseIn(preferred, c);
            AddressKind holder = used.get(ip);
            if (holder == null) {
                used.put(ip, kind);
                return cidr(ip, c);
            }
            if (kind == AddressKind.GATEWAY && holder == AddressKind.GATEWAY) {
                return cidr(ip, c);
            }
            throw new IpamException("taken");
        }
        if (kind == AddressKind.GATEWAY) {
            for (Map.Entry<BigInteger, AddressKind> e : used.entrySet()) {
                if (e.getValue() == AddressKind.GATEWAY) {
                    return cidr(e.getKey(), c); // TreeMap: the lowest
                }
            }
        }
        BigInteger lo = c.range().block().getLower().getValue();
        BigInteger hi = c.range().block().getUpper().getValue();
        for (BigInteger ip = lo; ip.compareTo(hi) <= 0; ip = ip.add(BigInteger.ONE)) {
            if (!reserved(ip, c.subnet()) && !used.containsKey(ip)) {
                used.put(ip, kind);
                return cidr(ip, c);
            }
        }
        throw new IpamException("exhausted");
    }

    @Override
    public void releaseAddress(String poolId, String address) {
        Claim c = claim(poolId);
        BigInteger ip = parseIn(address, c);
        if (addresses(c).get(ip) == AddressKind.CONTAINER) {
            addresses(c).remove(ip);
        }
    }

    private static boolean reserved(BigInteger ip, Subnet s) {
        int bits = s.isIpv4() ? 32 : 128;
        if (s.prefixLength() >= bits - 1) {
            return false;
        }
        return ip.equals(s.block().getLower().getValue()) || (s.isIpv4() && ip.equals(s.block().getUpper().getValue()));
    }

    private static BigInteger parseIn(String text, Claim c) {
        IPAddress a = new IPAddressString(text).getAddress();
        if (a == null || !c.subnet().contains(a)) {
            throw new IpamException("outside");
        }
        BigInteger ip = a.withoutPrefixLength().getValue();
        if (reserved(ip, c.subnet())) {
            throw new IpamException("reserved");
        }
        return ip;
    }

    private Claim claim(String id) {
        Claim c = claims.get(id);
        if (c == null) {
            throw new IpamException("unknown pool ID");
        }
        return c;
    }

    private static String pool(Claim c) {
        return c.name() + "-" + c.subnet();
    }

    private TreeMap<BigInteger, AddressKind> addresses(Claim c) {
        return taken.computeIfAbsent(pool(c), k -> new TreeMap<>());
    }

    private static String cidr(BigInteger ip, Claim c) {
        IPAddress lower = c.subnet().network();
        BigInteger offset = ip.subtract(lower.getValue());
        return lower.increment(offset.longValueExact()).toCanonicalString() + "/" + c.subnet().prefixLength();
    }

    private static Subnet parse(String cidr) {
        try {
            return Subnet.parse(cidr);
        } catch (IllegalArgumentException e) {
            throw new IpamException("bad cidr");
        }
    }

}

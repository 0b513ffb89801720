package dev.crossnet.ipam;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.crossnet.model.Subnet;
import dev.crossnet.store.KeyValue;
import dev.crossnet.store.StoreJson;
import dev.crossnet.store.Store;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * {@link Ipam} on the cluster store. One instance per host; any number of hosts and processes
 * may share the store.
 *
 * <p>How it works. Keys, under {@code <prefix>/ipam/}:
 * <pre>
 *   pools/shared-192.168.100.0-24                      {"Name":"shared","Subnet":"192.168.100.0/24"}
 *   claims/shared-192.168.100.0-24/3f2a9c01d4e5        {"Host":"h1","Range":"192.168.100.128/25"}
 *   addresses/shared-192.168.100.0-24/192.168.100.130  {"Kind":"CONTAINER","Host":"h1","Claim":"3f2a9c01d4e5"}
 * </pre>
 * An address is taken by {@link Store#create} of its key, which succeeds for exactly one of
 * several racing hosts; the loser moves on to the next candidate. The pool key holds the name and
 * subnet, so the same two on any host meet in the same key space. The pool ID given to Docker is
 * {@code <pool key>@<claim>}: everything {@link #requestAddress} needs is in it and the claim.
 * The claims and addresses of a host gone for good are freed by another host ({@link #releaseHost}).
 */
public final class StoreIpam implements Ipam {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");
    private static final Pattern CLAIM = Pattern.compile("[0-9a-f]{12}");

    record PoolValue(@JsonProperty("Name") String name, @JsonProperty("Subnet") String subnet) {
    }

    record ClaimValue(@JsonProperty("Host") String host, @JsonProperty("Range") String range) {
    }

    record AddressValue(@JsonProperty("Kind") AddressKind kind, @JsonProperty("Host") String host,
                        @JsonProperty("Claim") String claim) {
    }

    private final Store store;
    private final String root;
    private final String host;
    private final SecureRandom random = new SecureRandom();

    /**
     * @param prefix the network's key prefix, e.g. {@code /coreos.com/network}
     * @param host   this host's name, recorded with its claims and addresses
     */
    public StoreIpam(Store store, String prefix, String host) {
        this.store = store;
        this.root = (prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix) + "/ipam/";
        this.host = host;
    }

    @Override
    public PoolClaim requestPool(String name, String subnet, String range, boolean v6) {
        String poolName = name == null || name.isEmpty() ? DEFAULT_POOL_NAME : name;
        if (!NAME.matcher(poolName).matches()) {
            throw new IpamException("pool name \"" + poolName + "\" (--ipam-opt pool=...): use 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        if (subnet == null || subnet.isEmpty()) {
            throw new IpamException("--subnet is required: the crossnet IPAM driver has no default pool");
        }
        Subnet net = parseCidr("--subnet", subnet);
        if (net.isIpv4() == v6) {
            throw new IpamException("--subnet " + net + " is " + (v6 ? "IPv4 but Docker asked for an IPv6 pool" : "IPv6 but Docker asked for an IPv4 pool"));
        }
        Subnet sub = net;
        if (range != null && !range.isEmpty()) {
            sub = parseCidr("--ip-range", range);
            if (!net.contains(sub)) {
                throw new IpamException("--ip-range " + sub + " is not inside --subnet " + net);
            }
        }
        String poolKey = poolKey(poolName, net);
        // Overlap check before anything is written, so a refused request leaves no key behind.
        for (KeyValue kv : store.list(root + "pools/").items()) {
            PoolValue other = read(kv, PoolValue.class);
            Subnet otherNet = Subnet.parse(other.subnet());
            if (other.name().equals(poolName) && !otherNet.equals(net) && otherNet.overlaps(net)) {
                throw new IpamException("--subnet " + net + " overlaps " + otherNet + ", already used by pool \"" + poolName
                        + "\"; use the same subnet to share that pool, or another --ipam-opt pool=NAME");
            }
        }
        store.create(root + "pools/" + poolKey, write(new PoolValue(poolName, net.toString())), null);
        String claim = HexFormat.of().formatHex(randomBytes());
        store.create(root + "claims/" + poolKey + "/" + claim, write(new ClaimValue(host, sub.toString())), null);
        return new PoolClaim(poolKey + "@" + claim, poolName, net, sub);
    }

    @Override
    public void releasePool(String poolId) {
        PoolClaim claim = claim(poolId);
        String poolKey = poolKey(claim.name(), claim.subnet());
        store.delete(root + "claims/" + poolKey + "/" + claimPart(poolId));
        if (!store.list(root + "claims/" + poolKey + "/").items().isEmpty()) {
            return;
        }
        // Last claim gone: the pool's shared gateways go with it. Container addresses are left
        // alone; Docker releases each before it releases the pool.
        for (KeyValue kv : store.list(addressPrefix(poolKey)).items()) {
            if (read(kv, AddressValue.class).kind() == AddressKind.GATEWAY) {
                store.compareAndDelete(kv.key(), kv.modRevision());
            }
        }
        store.delete(root + "pools/" + poolKey);
    }

    @Override
    public String requestAddress(String poolId, String preferred, AddressKind kind) {
        PoolClaim claim = claim(poolId);
        String poolKey = poolKey(claim.name(), claim.subnet());
        String prefix = addressPrefix(poolKey);
        AddressValue value = new AddressValue(kind, host, claimPart(poolId));
        if (preferred != null && !preferred.isEmpty()) {
            IPAddress ip = parseAddress(preferred, claim);
            String what = kind == AddressKind.GATEWAY ? "gateway " : "address ";
            if (store.create(prefix + key(ip), write(value), null).isPresent()) {
                return cidr(ip, claim);
            }
            Optional<KeyValue> holder = store.get(prefix + key(ip));
            if (kind == AddressKind.GATEWAY && holder.isPresent() && read(holder.get(), AddressValue.class).kind() == AddressKind.GATEWAY) {
                return cidr(ip, claim); // the pool's gateway, shared by every host
            }
            String by = holder.map(h -> read(h, AddressValue.class))
                    .map(a -> a.kind() == AddressKind.GATEWAY ? "it is the gateway" : "it is in use on host " + a.host())
                    .orElse("it was just taken");
            throw new IpamException(what + ip.toCanonicalString() + " is already allocated in pool \"" + claim.name() + "\" "
                    + claim.subnet() + ": " + by);
        }
        Set<String> taken = new HashSet<>();
        IPAddress gateway = null;
        for (KeyValue kv : store.list(prefix).items()) {
            String ip = kv.key().substring(prefix.length());
            taken.add(ip);
            if (read(kv, AddressValue.class).kind() == AddressKind.GATEWAY) {
                IPAddress g = new IPAddressString(ip).getAddress();
                gateway = gateway == null || g.compareTo(gateway) < 0 ? g : gateway;
            }
        }
        if (kind == AddressKind.GATEWAY && gateway != null) {
            return cidr(gateway, claim); // the pool already has one: every host shares it
        }
        IPAddress last = claim.range().block().getUpper().withoutPrefixLength();
        for (IPAddress ip = claim.range().network(); ; ip = ip.increment(1)) {
            if (!reserved(ip, claim.subnet()) && !taken.contains(key(ip))) {
                if (store.create(prefix + key(ip), write(value), null).isPresent()) {
                    return cidr(ip, claim);
                }
                Optional<KeyValue> raced = store.get(prefix + key(ip));
                if (kind == AddressKind.GATEWAY && raced.isPresent() && read(raced.get(), AddressValue.class).kind() == AddressKind.GATEWAY) {
                    return cidr(ip, claim);
                }
            }
            if (ip.equals(last)) {
                break;
            }
        }
        throw new IpamException("no free address in pool \"" + claim.name() + "\" " + claim.subnet()
                + (claim.range().equals(claim.subnet()) ? "" : " (range " + claim.range() + ")") + ": all addresses are allocated");
    }

    @Override
    public void releaseAddress(String poolId, String address) {
        PoolClaim claim = claim(poolId);
        IPAddress ip = parseAddress(address, claim);
        String key = addressPrefix(poolKey(claim.name(), claim.subnet())) + key(ip);
        Optional<KeyValue> kv = store.get(key);
        AddressValue a = kv.map(x -> read(x, AddressValue.class)).orElse(null);
        // Only this host's: once a dead host was reaped (releaseHost) its addresses may be another
        // host's, which must keep them when the dead one comes back and frees what it remembers.
        if (a != null && a.kind() == AddressKind.CONTAINER && host.equals(a.host())) {
            store.compareAndDelete(key, kv.get().modRevision());
        }
    }

    /** The hosts that hold a claim or a container address, for reaping the dead ones. */
    public Set<String> hosts() {
        Set<String> out = new TreeSet<>();
        for (KeyValue kv : store.list(root + "claims/", false).items()) {
            readLenient(kv, ClaimValue.class).map(ClaimValue::host).ifPresent(out::add);
        }
        for (KeyValue kv : store.list(root + "addresses/", false).items()) {
            readLenient(kv, AddressValue.class).filter(a -> a.kind() == AddressKind.CONTAINER)
                    .map(AddressValue::host).ifPresent(out::add);
        }
        return out;
    }

    /**
     * Frees what host {@code other} holds, for a host that is gone for good: its container
     * addresses, then its claims, then the gateway addresses and the pool of every pool left
     * without a claim (as {@link #releasePool} of a last claim does). Each key is deleted only if
     * unchanged since it was read, so several hosts may reap at once and a host that rewrites a
     * key meanwhile keeps it. Idempotent.
     *
     * @return how many keys were deleted by this call
     * @throws IllegalArgumentException if {@code other} is this host
     */
    public int releaseHost(String other) {
        if (other.equals(host)) {
            throw new IllegalArgumentException("host " + host + " cannot reap its own addresses");
        }
        int deleted = 0;
        for (KeyValue kv : store.list(root + "addresses/", false).items()) {
            Optional<AddressValue> a = readLenient(kv, AddressValue.class);
            if (a.isPresent() && a.get().kind() == AddressKind.CONTAINER && other.equals(a.get().host())
                    && store.compareAndDelete(kv.key(), kv.modRevision())) {
                deleted++;
            }
        }
        Set<String> pools = new TreeSet<>();
        for (KeyValue kv : store.list(root + "claims/", false).items()) {
            String poolKey = kv.key().substring((root + "claims/").length()).split("/", 2)[0];
            Optional<ClaimValue> c = readLenient(kv, ClaimValue.class);
            if (c.isPresent() && other.equals(c.get().host()) && store.compareAndDelete(kv.key(), kv.modRevision())) {
                deleted++;
                pools.add(poolKey);
            }
        }
        for (String poolKey : pools) {
            if (!store.list(root + "claims/" + poolKey + "/").items().isEmpty()) {
                continue;
            }
            for (KeyValue kv : store.list(addressPrefix(poolKey)).items()) {
                if (readLenient(kv, AddressValue.class).map(AddressValue::kind).orElse(null) == AddressKind.GATEWAY
                        && store.compareAndDelete(kv.key(), kv.modRevision())) {
                    deleted++;
                }
            }
            if (store.delete(root + "pools/" + poolKey)) {
                deleted++;
            }
        }
        return deleted;
    }

    /** Whether {@code ip} is never handed out in {@code subnet}: its network or broadcast address. */
    static boolean reserved(IPAddress ip, Subnet subnet) {
        int bits = subnet.isIpv4() ? 32 : 128;
        if (subnet.prefixLength() >= bits - 1) {
            return false; // /31 and /32 (and /127, /128) have no network or broadcast address
        }
        IPAddress bare = ip.withoutPrefixLength();
        return bare.equals(subnet.network()) || (subnet.isIpv4() && bare.equals(subnet.block().getUpper().withoutPrefixLength()));
    }

    private PoolClaim claim(String poolId) {
        int at = poolId == null ? -1 : poolId.lastIndexOf('@');
        if (at < 0 || !CLAIM.matcher(poolId.substring(at + 1)).matches()) {
            throw new IpamException("unknown pool ID \"" + poolId + "\"");
        }
        String poolKey = poolId.substring(0, at);
        Optional<KeyValue> kv = store.get(root + "claims/" + poolKey + "/" + poolId.substring(at + 1));
        Optional<KeyValue> pool = store.get(root + "pools/" + poolKey);
        if (kv.isEmpty() || pool.isEmpty()) {
            throw new IpamException("unknown pool ID \"" + poolId + "\" (never requested, or already released)");
        }
        PoolValue p = read(pool.get(), PoolValue.class);
        ClaimValue c = read(kv.get(), ClaimValue.class);
        return new PoolClaim(poolId, p.name(), Subnet.parse(p.subnet()), Subnet.parse(c.range()));
    }

    private static String claimPart(String poolId) {
        return poolId.substring(poolId.lastIndexOf('@') + 1);
    }

    private static IPAddress parseAddress(String text, PoolClaim claim) {
        IPAddress ip = new IPAddressString(text.trim()).getAddress();
        if (ip == null) {
            throw new IpamException("address \"" + text + "\" is not an IP address");
        }
        ip = ip.withoutPrefixLength();
        if (!claim.subnet().contains(ip)) {
            throw new IpamException("address " + ip.toCanonicalString() + " is not in pool \"" + claim.name() + "\" " + claim.subnet());
        }
        if (reserved(ip, claim.subnet())) {
            throw new IpamException("address " + ip.toCanonicalString() + " is the " + (ip.equals(claim.subnet().network()) ? "network" : "broadcast")
                    + " address of " + claim.subnet() + " and cannot be allocated");
        }
        return ip;
    }

    private static Subnet parseCidr(String option, String text) {
        try {
            return Subnet.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IpamException(option + ": " + e.getMessage());
        }
    }

    private String addressPrefix(String poolKey) {
        return root + "addresses/" + poolKey + "/";
    }

    private static String poolKey(String name, Subnet subnet) {
        return name + "-" + subnet.key();
    }

    private static String key(IPAddress ip) {
        return ip.withoutPrefixLength().toCanonicalString();
    }

    private static String cidr(IPAddress ip, PoolClaim claim) {
        return key(ip) + "/" + claim.subnet().prefixLength();
    }

    private byte[] randomBytes() {
        byte[] b = new byte[6];
        random.nextBytes(b);
        return b;
    }

    private static String write(Object value) {
        return StoreJson.write(value);
    }

    private static <T> T read(KeyValue kv, Class<T> type) {
        return StoreJson.read(kv, type);
    }

    /** The value, or empty if it does not parse: a record nobody can read is nobody's to reap. */
    private static <T> Optional<T> readLenient(KeyValue kv, Class<T> type) {
        try {
            return Optional.ofNullable(StoreJson.read(kv, type));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}

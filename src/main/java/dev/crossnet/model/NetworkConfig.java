package dev.crossnet.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;

/**
 * The cluster's network config, read from flannel-compatible JSON such as
 * {@code {"Network":"10.5.0.0/16","SubnetLen":24,"Backend":{"Type":"vxlan"}}}.
 *
 * <p>Defaults and checks follow flannel's {@code CheckNetworkConfig}: SubnetLen defaults to 24, or
 * to the Network prefix + 2 when the Network is smaller than a /22; SubnetLen is at most 30 and at
 * least the Network prefix + 2; SubnetMin defaults to the second subnet (the first is never handed
 * out) and SubnetMax to the last; both must lie inside Network and on a SubnetLen boundary.
 *
 * @param json the original text, kept so that {@code config get} shows what was set
 */
public record NetworkConfig(Subnet network, int subnetLen, IPAddress subnetMin, IPAddress subnetMax,
                            BackendConfig backend, boolean enableIpv6, Subnet ipv6Network, String json) {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** Backend.RekeyAfter bounds, in seconds: 2 s for tests of a rekey under load, at most a day (also the agent's --docker-rekey-after). */
    public static final int MIN_REKEY_AFTER = 2;
    public static final int MAX_REKEY_AFTER = 86_400;

    /**
     * Parses and validates. Unknown fields are ignored, as flannel does.
     *
     * @throws ConfigException naming the first offending field
     */
    public static NetworkConfig parse(String json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new ConfigException(null, "malformed JSON at line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new ConfigException(null, "the config must be a JSON object, like {\"Network\":\"10.5.0.0/16\"}");
        }
        ObjectNode o = (ObjectNode) root;

        String networkText = string(o, "Network", true);
        Subnet network = cidr("Network", networkText);
        if (!network.isIpv4()) {
            throw new ConfigException("Network", "\"" + networkText + "\" is not an IPv4 CIDR (put IPv6 in IPv6Network)");
        }
        int ones = network.prefixLength();
        if (ones == 0) {
            throw new ConfigException("Network", network + " is every IPv4 address, the hosts' own, loopback and multicast"
                    + " included; give a private range such as 10.5.0.0/16");
        }
        Addresses.Special special = Addresses.overlapsSpecial(network);
        if (special != null) {
            throw new ConfigException("Network", network + " overlaps " + special.range() + " (" + special.purpose()
                    + "); give a private range such as 10.5.0.0/16");
        }

        int subnetLen = integer(o, "SubnetLen", 0);
        if (subnetLen != 0) {
            if (subnetLen > 30) {
                throw new ConfigException("SubnetLen", subnetLen + " is out of range: it must be at most 30");
            }
            if (subnetLen < ones + 2) {
                throw new ConfigException("SubnetLen", subnetLen + " is too short for Network " + network
                        + ": it must be at least /" + (ones + 2) + " so that the Network holds four subnets");
            }
        } else if (ones > 28) {
            throw new ConfigException("Network", network + " is too small: the smallest useful Network is a /28");
        } else if (ones <= 22) {
            subnetLen = 24;
        } else {
            subnetLen = ones + 2;
        }
        long subnetSize = 1L << (32 - subnetLen);

        IPAddress min = address(o, "SubnetMin");
        IPAddress max = address(o, "SubnetMax");
        IPAddress first = network.network();
        IPAddress lastSubnet = network.block().getUpper().withoutPrefixLength().increment(1 - subnetSize);
        if (min == null) {
            min = first.increment(subnetSize);
        } else {
            checkInside("SubnetMin", min, network, subnetLen);
        }
        if (max == null) {
            max = lastSubnet;
        } else {
            checkInside("SubnetMax", max, network, subnetLen);
        }
        if (min.compareTo(max) > 0) {
            throw new ConfigException("SubnetMin", min + " is above SubnetMax " + max);
        }

        BackendConfig backend = backend(o);

        boolean enableIpv6 = bool(o, "EnableIPv6", false);
        Subnet v6 = null;
        String v6Text = string(o, "IPv6Network", false);
        if (v6Text != null) {
            v6 = cidr("IPv6Network", v6Text);
            if (v6.isIpv4()) {
                throw new ConfigException("IPv6Network", "\"" + v6Text + "\" is not an IPv6 CIDR");
            }
        }
        if (enableIpv6) {
            throw new ConfigException("EnableIPv6", "dual stack is not available yet; remove EnableIPv6 or set it to false");
        }
        return new NetworkConfig(network, subnetLen, min, max, backend, enableIpv6, v6, json);
    }

    private static BackendConfig backend(ObjectNode o) {
        JsonNode b = o.get("Backend");
        if (b == null || b.isNull()) {
            return BackendConfig.defaults(BackendConfig.Type.VXLAN);
        }
        if (!b.isObject()) {
            throw new ConfigException("Backend", "must be an object like {\"Type\":\"vxlan\"}");
        }
        ObjectNode bo = (ObjectNode) b;
        String typeText = string(bo, "Type", false, "Backend.Type");
        BackendConfig.Type type = typeText == null ? BackendConfig.Type.VXLAN : BackendConfig.Type.fromWire(typeText);
        BackendConfig d = BackendConfig.defaults(type);
        int vni = integer(bo, "VNI", d.vni(), "Backend.VNI");
        if (vni < 1 || vni > 16_777_215) {
            throw new ConfigException("Backend.VNI", vni + " is out of range 1-16777215");
        }
        int port = integer(bo, "Port", d.port(), "Backend.Port");
        if (port < 0 || port > 65535 || (port == 0 && type != BackendConfig.Type.HOST_GW)) {
            throw new ConfigException("Backend.Port", port + " is out of range 1-65535");
        }
        boolean direct = bool(bo, "DirectRouting", false, "Backend.DirectRouting");
        int mtu = integer(bo, "MTU", 0, "Backend.MTU");
        if (mtu != 0 && (mtu < 576 || mtu > 65_000)) {
            throw new ConfigException("Backend.MTU", mtu + " is out of range 576-65000 (or 0 for automatic)");
        }
        boolean encrypt = bool(bo, "Encrypt", false, "Backend.Encrypt");
        if (encrypt && type != BackendConfig.Type.UDP) {
            throw new ConfigException("Backend.Encrypt", "encryption between hosts needs Backend.Type udp, not " + type
                    + "; use {\"Type\":\"udp\",\"Encrypt\":true} or remove Encrypt");
        }
        int rekeyAfter = integer(bo, "RekeyAfter", 0, "Backend.RekeyAfter");
        if (rekeyAfter != 0 && !encrypt) {
            throw new ConfigException("Backend.RekeyAfter", "applies to encrypted networks only; add \"Encrypt\": true or remove it");
        }
        if (rekeyAfter != 0 && (rekeyAfter < MIN_REKEY_AFTER || rekeyAfter > MAX_REKEY_AFTER)) {
            throw new ConfigException("Backend.RekeyAfter", rekeyAfter + " is out of range " + MIN_REKEY_AFTER + "-"
                    + MAX_REKEY_AFTER + " (seconds; or leave it out for 120)");
        }
        return new BackendConfig(type, vni, port, direct, mtu, encrypt, rekeyAfter);
    }

    private static void checkInside(String field, IPAddress a, Subnet network, int subnetLen) {
        if (!network.contains(a)) {
            throw new ConfigException(field, a + " is outside Network " + network);
        }
        IPAddress aligned = a.setPrefixLength(subnetLen, false).toPrefixBlock().getLower().withoutPrefixLength();
        if (!aligned.equals(a)) {
            throw new ConfigException(field, a + " is not on a /" + subnetLen + " boundary (SubnetLen); try " + aligned);
        }
    }

    private static Subnet cidr(String field, String text) {
        try {
            return Subnet.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(field, e.getMessage());
        }
    }

    private static IPAddress address(ObjectNode o, String field) {
        String s = string(o, field, false);
        if (s == null) {
            return null;
        }
        IPAddress a = new IPAddressString(s).getAddress();
        if (a == null || !a.isIPv4() || a.isPrefixed()) {
            throw new ConfigException(field, "\"" + s + "\" is not an IPv4 address");
        }
        return a;
    }

    private static String string(ObjectNode o, String name, boolean required) {
        return string(o, name, required, name);
    }

    private static String string(ObjectNode o, String name, boolean required, String field) {
        JsonNode n = o.get(name);
        if (n == null || n.isNull()) {
            if (required) {
                throw new ConfigException(field, "is required");
            }
            return null;
        }
        if (!n.isTextual()) {
            throw new ConfigException(field, "must be a string, got " + n);
        }
        return n.asText();
    }

    private static int integer(ObjectNode o, String name, int dflt) {
        return integer(o, name, dflt, name);
    }

    private static int integer(ObjectNode o, String name, int dflt, String field) {
        JsonNode n = o.get(name);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw new ConfigException(field, "must be an integer, got " + n);
        }
        return n.intValue();
    }

    private static boolean bool(ObjectNode o, String name, boolean dflt) {
        return bool(o, name, dflt, name);
    }

    private static boolean bool(ObjectNode o, String name, boolean dflt, String field) {
        JsonNode n = o.get(name);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isBoolean()) {
            throw new ConfigException(field, "must be true or false, got " + n);
        }
        return n.booleanValue();
    }

    /** The number of subnets that can be leased: SubnetMin..SubnetMax, never the Network's first. */
    public long poolSize() {
        long size = 1L << (32 - subnetLen);
        long span = subnetMax.getValue().longValue() - subnetMin.getValue().longValue();
        long n = span / size + 1;
        return subnetMin.equals(network.network()) ? n - 1 : n;
    }

    /** The i-th leasable subnet, 0 ≤ i < {@link #poolSize()}. */
    public Subnet subnetAt(long i) {
        long size = 1L << (32 - subnetLen);
        long skip = subnetMin.equals(network.network()) ? 1 : 0;
        return Subnet.of(subnetMin.increment((i + skip) * size), subnetLen);
    }

    /** Whether {@code s} is one this config may hand out. */
    public boolean isLeasable(Subnet s) {
        if (!s.isIpv4() || s.prefixLength() != subnetLen || !network.contains(s)) {
            return false;
        }
        IPAddress a = s.network();
        return !a.equals(network.network()) && a.compareTo(subnetMin) >= 0 && a.compareTo(subnetMax) <= 0;
    }
}

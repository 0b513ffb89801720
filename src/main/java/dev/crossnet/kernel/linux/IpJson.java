package dev.crossnet.kernel.linux;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crossnet.CrossnetException;
import dev.crossnet.kernel.DeviceRoute;
import dev.crossnet.kernel.FdbEntry;
import dev.crossnet.kernel.Kernel;
import dev.crossnet.kernel.Link;
import dev.crossnet.kernel.Neighbour;
import dev.crossnet.kernel.Route;
import dev.crossnet.model.Subnet;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import inet.ipaddr.ipv4.IPv4Address;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Parsers for the JSON that iproute2 6.x prints with {@code -j}. Pure and thread-safe. Entries this
 * code cannot represent (default routes, routes without a gateway, IPv6 neighbours…) are skipped,
 * since crossnet never creates them.
 */
final class IpJson {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private IpJson() {
    }

    /** {@code ip -j -d addr show [dev X]}: devices with their vxlan details and addresses. */
    static List<Link> links(String json) {
        List<Link> links = new ArrayList<>();
        for (JsonNode n : array(json, "ip -j -d addr show")) {
            JsonNode info = n.path("linkinfo");
            String kind = info.path("info_kind").asText("");
            Link.VxlanInfo vxlan = null;
            if (kind.equals("vxlan")) {
                JsonNode d = info.path("info_data");
                vxlan = new Link.VxlanInfo(d.path("id").asInt(), d.path("port").asInt(),
                        address(d.path("local").asText(null)), d.path("link").asText(null),
                        d.path("learning").asBoolean(true));
            }
            List<IPAddress> addresses = new ArrayList<>();
            for (JsonNode a : n.path("addr_info")) {
                IPAddress ip = address(a.path("local").asText(null));
                if (ip != null && a.has("prefixlen")) {
                    addresses.add(ip.setPrefixLength(a.path("prefixlen").asInt(), false));
                }
            }
            boolean up = false;
            for (JsonNode f : n.path("flags")) {
                up |= f.asText().equals("UP");
            }
            links.add(new Link(n.path("ifname").asText(), n.path("ifindex").asInt(), kind,
                    n.path("address").asText("").toLowerCase(Locale.ROOT), n.path("mtu").asInt(), up, vxlan,
                    addresses));
        }
        return links;
    }

    /**
     * {@code ip -j route show table main proto N}: iproute2 omits the protocol field when filtering
     * on it, so the caller vouches for it. Routes without a gateway or device are skipped.
     */
    static List<Route> routes(String json) {
        List<Route> routes = new ArrayList<>();
        for (JsonNode n : array(json, "ip -j route show")) {
            String dst = n.path("dst").asText("");
            IPAddress via = address(n.path("gateway").asText(null));
            String dev = n.path("dev").asText(null);
            if (dst.isEmpty() || dst.equals("default") || via == null || dev == null) {
                continue;
            }
            // A host route is printed without its /32 (or /128).
            IPAddress d = address(dst);
            if (d == null) {
                continue;
            }
            if (!d.isPrefixed()) {
                d = d.setPrefixLength(d.getBitCount(), false);
            }
            boolean onlink = false;
            for (JsonNode f : n.path("flags")) {
                onlink |= f.asText().equals("onlink");
            }
            routes.add(new Route(new Subnet(d.toPrefixBlock()), via, dev, onlink));
        }
        return routes;
    }

    /**
     * {@code ip -j route show exact DST table main}: whether it lists {@code route} as it is: no
     * gateway, its device and preferred source, and protocol {@link Kernel#ROUTE_PROTOCOL}.
     */
    static boolean hasDeviceRoute(String json, DeviceRoute route) {
        for (JsonNode n : array(json, "ip -j route show exact")) {
            IPAddress dst = address(n.path("dst").asText(null));
            if (dst != null && !dst.isPrefixed()) {
                dst = dst.setPrefixLength(dst.getBitCount(), false);
            }
            if (dst != null && new Subnet(dst.toPrefixBlock()).equals(route.dst())
                    && n.path("gateway").isMissingNode()
                    && route.dev().equals(n.path("dev").asText(null))
                    && route.src().equals(address(n.path("prefsrc").asText(null)))
                    && String.valueOf(Kernel.ROUTE_PROTOCOL).equals(n.path("protocol").asText(null))) {
                return true;
            }
        }
        return false;
    }

    /** {@code ip -j neigh show dev DEV nud permanent}: the device is not printed, so it is passed in. */
    static List<Neighbour> neighbours(String json, String dev) {
        List<Neighbour> out = new ArrayList<>();
        for (JsonNode n : array(json, "ip -j neigh show")) {
            IPAddress ip = address(n.path("dst").asText(null));
            String mac = n.path("lladdr").asText(null);
            boolean permanent = false;
            for (JsonNode s : n.path("state")) {
                permanent |= s.asText().equals("PERMANENT");
            }
            if (ip != null && ip.isIPv4() && mac != null && permanent) {
                out.add(new Neighbour(ip, mac, n.path("dev").asText(dev)));
            }
        }
        return out;
    }

    /**
     * {@code bridge -j fdb show dev DEV}: permanent unicast entries with a remote {@code dst}; the
     * all-zeros (flooding) entries and entries without {@code dst} are skipped.
     */
    static List<FdbEntry> fdb(String json, String dev) {
        List<FdbEntry> out = new ArrayList<>();
        for (JsonNode n : array(json, "bridge -j fdb show")) {
            String mac = n.path("mac").asText("");
            IPAddress dst = address(n.path("dst").asText(null));
            if (dst == null || mac.equals("00:00:00:00:00:00") || !n.path("state").asText().equals("permanent")) {
                continue;
            }
            out.add(new FdbEntry(mac, dst, n.path("ifname").asText(dev)));
        }
        return out;
    }

    private static JsonNode array(String json, String source) {
        if (json == null || json.isBlank()) {
            // iproute2 prints nothing at all (not []) for some empty listings.
            return MAPPER.createArrayNode();
        }
        try {
            JsonNode n = MAPPER.readTree(json);
            if (!n.isArray()) {
                throw new CrossnetException("unexpected output from " + source + ": not a JSON array");
            }
            return n;
        } catch (JsonProcessingException e) {
            throw new CrossnetException("cannot parse the output of " + source + ": " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Parses an address as iproute2 prints it. Dotted quads (thousands per listing) take a fast path
     * that skips the general parser, whose first calls in a JVM cost seconds; anything else
     * (IPv6) goes through {@link IPAddressString}.
     */
    static IPAddress address(String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        int slash = text.indexOf('/');
        String host = slash < 0 ? text : text.substring(0, slash);
        long v4 = dottedQuad(host);
        if (v4 < 0) {
            return new IPAddressString(text).getAddress();
        }
        if (slash < 0) {
            return new IPv4Address((int) v4);
        }
        int prefix;
        try {
            prefix = Integer.parseInt(text.substring(slash + 1));
        } catch (NumberFormatException e) {
            return null;
        }
        return prefix < 0 || prefix > 32 ? null : new IPv4Address((int) v4, prefix);
    }

    /** {@code a.b.c.d} (decimal, no leading zeros) as an unsigned 32-bit value, or -1 when {@code s} is not exactly that. */
    static long dottedQuad(String s) {
        long value = 0;
        int octets = 0;
        int i = 0;
        int n = s.length();
        while (i < n) {
            int start = i;
            int octet = 0;
            while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9' && i - start < 3) {
                octet = octet * 10 + (s.charAt(i) - '0');
                i++;
            }
            // No leading zeros: "010" is octal to some parsers and decimal to others.
            if (i == start || octet > 255 || (s.charAt(start) == '0' && i - start > 1)) {
                return -1;
            }
            value = (value << 8) | octet;
            octets++;
            if (i < n) {
                if (s.charAt(i) != '.' || octets == 4) {
                    return -1;
                }
                i++;
                if (i == n) {
                    return -1;
                }
            }
        }
        return octets == 4 ? value : -1;
    }
}

package dev.crossnet.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crossnet.CrossnetException;
import dev.crossnet.backend.HostContext;
import dev.crossnet.model.Subnet;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Finds the underlay interface and PublicIP the way flanneld does: {@code --iface} (a name or an
 * address), else the interface carrying {@code --public-ip}, else the default route's interface.
 */
public final class Underlay {
    private Underlay() {
    }

    /** One IPv4 address on one interface, as {@code ip -j -4 addr} reports it. */
    public record IfaceAddr(String iface, int index, int mtu, IPAddress address, int prefixLength) {
    }

    /**
     * @param iface    {@code --iface} value, or null
     * @param publicIp {@code --public-ip} value, or null
     * @throws CrossnetException naming the flag when the interface or address is not on this host
     */
    public static HostContext resolve(String iface, String publicIp, Path stateDir) {
        return resolve(iface, publicIp, stateDir, readAddrs(), defaultRouteIface());
    }

    static HostContext resolve(String iface, String publicIp, Path stateDir, List<IfaceAddr> addrs, String defaultIface) {
        IPAddress wanted = null;
        if (publicIp != null) {
            wanted = new IPAddressString(publicIp).getAddress();
            if (wanted == null || !wanted.isIPv4() || wanted.isPrefixed()) {
                throw new CrossnetException("--public-ip: \"" + publicIp + "\" is not an IPv4 address");
            }
        }
        IfaceAddr chosen;
        if (iface != null) {
            IPAddress byAddr = new IPAddressString(iface).getAddress();
            List<IfaceAddr> matches = new ArrayList<>();
            for (IfaceAddr a : addrs) {
                if (byAddr != null ? a.address().equals(byAddr) : a.iface().equals(iface)) {
                    matches.add(a);
                }
            }
            if (matches.isEmpty()) {
                throw new CrossnetException("--iface: no interface " + iface + " with an IPv4 address on this host (have: "
                        + String.join(", ", addrs.stream().map(a -> a.iface() + " " + a.address()).distinct().toList()) + ")");
            }
            chosen = matches.get(0);
            if (wanted != null) {
                final IPAddress w = wanted;
                chosen = matches.stream().filter(a -> a.address().equals(w)).findFirst().orElse(chosen);
            }
        } else if (wanted != null) {
            final IPAddress w = wanted;
            chosen = addrs.stream().filter(a -> a.address().equals(w)).findFirst().orElseThrow(() ->
                    new CrossnetException("--public-ip: " + publicIp + " is not an address of this host"));
        } else {
            if (defaultIface == null) {
                throw new CrossnetException("--iface: not given, and this host has no default route to pick one from");
            }
            chosen = addrs.stream().filter(a -> a.iface().equals(defaultIface)).findFirst().orElseThrow(() ->
                    new CrossnetException("--iface: the default route's interface " + defaultIface + " has no IPv4 address"));
        }
        if (wanted != null && !wanted.equals(chosen.address())) {
            final IPAddress w = wanted;
            if (addrs.stream().noneMatch(a -> a.address().equals(w))) {
                throw new CrossnetException("--public-ip: " + publicIp + " is not an address of this host");
            }
        }
        IPAddress pub = wanted != null ? wanted : chosen.address();
        Subnet onLink = Subnet.of(chosen.address(), chosen.prefixLength());
        return new HostContext(chosen.iface(), chosen.index(), pub, onLink, chosen.mtu(), stateDir);
    }

    static List<IfaceAddr> parseAddrs(String json) throws IOException {
        List<IfaceAddr> out = new ArrayList<>();
        for (JsonNode link : new ObjectMapper().readTree(json)) {
            for (JsonNode ai : link.path("addr_info")) {
                if (!"inet".equals(ai.path("family").asText())) {
                    continue;
                }
                IPAddress a = new IPAddressString(ai.path("local").asText()).getAddress();
                if (a != null) {
                    out.add(new IfaceAddr(link.path("ifname").asText(), link.path("ifindex").asInt(),
                            link.path("mtu").asInt(1500), a, ai.path("prefixlen").asInt(32)));
                }
            }
        }
        return out;
    }

    private static List<IfaceAddr> readAddrs() {
        try {
            return parseAddrs(run("ip", "-j", "-4", "addr", "show"));
        } catch (IOException e) {
            throw new CrossnetException("cannot list this host's addresses with `ip -j addr`: " + e.getMessage());
        }
    }

    private static String defaultRouteIface() {
        try {
            JsonNode routes = new ObjectMapper().readTree(run("ip", "-j", "-4", "route", "show", "default"));
            return routes.size() > 0 ? routes.get(0).path("dev").asText(null) : null;
        } catch (IOException e) {
            return null;
        }
    }

    static String run(String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + " failed: " + out.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        return out;
    }
}

package dev.crossnet.lab;

import dev.crossnet.CrossnetException;
import dev.crossnet.model.Subnet;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The agent's {@code subnet.env}, as flanneld writes it and as the lab reads it to build each
 * host's bridge:
 * <pre>
 * FLANNEL_NETWORK=10.5.0.0/16
 * FLANNEL_SUBNET=10.5.34.1/24
 * FLANNEL_MTU=1450
 * FLANNEL_IPMASQ=false
 * </pre>
 *
 * @param subnet  the host's subnet, {@code 10.5.34.0/24}
 * @param gateway the bridge address, {@code 10.5.34.1}
 */
public record SubnetEnv(Subnet network, Subnet subnet, IPAddress gateway, int mtu, boolean ipMasq) {

    /** @throws CrossnetException naming the file and the missing or malformed variable */
    public static SubnetEnv parse(String text, String where) {
        Map<String, String> vars = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            String l = line.trim();
            int eq = l.indexOf('=');
            if (l.isEmpty() || l.startsWith("#") || eq < 0) {
                continue;
            }
            vars.put(l.substring(0, eq).trim(), l.substring(eq + 1).trim());
        }
        try {
            Subnet network = Subnet.parse(require(vars, "FLANNEL_NETWORK", where));
            String gw = require(vars, "FLANNEL_SUBNET", where);
            IPAddress gwCidr = new IPAddressString(gw).getAddress();
            if (gwCidr == null || !gwCidr.isPrefixed()) {
                throw new CrossnetException(where + ": FLANNEL_SUBNET=" + gw + " is not ADDRESS/PREFIX");
            }
            Subnet subnet = new Subnet(gwCidr.toPrefixBlock());
            int mtu = Integer.parseInt(require(vars, "FLANNEL_MTU", where));
            boolean masq = Boolean.parseBoolean(vars.getOrDefault("FLANNEL_IPMASQ", "false"));
            return new SubnetEnv(network, subnet, gwCidr.withoutPrefixLength(), mtu, masq);
        } catch (IllegalArgumentException e) {
            throw new CrossnetException(where + ": " + e.getMessage());
        }
    }

    public static SubnetEnv read(Path file) {
        try {
            return parse(Files.readString(file), file.toString());
        } catch (IOException e) {
            throw new CrossnetException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** {@code 10.5.34.1/24}, the bridge's address. */
    public String gatewayCidr() {
        return gateway.toCanonicalString() + "/" + subnet.prefixLength();
    }

    private static String require(Map<String, String> vars, String key, String where) {
        String v = vars.get(key);
        if (v == null || v.isEmpty()) {
            throw new CrossnetException(where + ": " + key + " is missing");
        }
        return v;
    }
}

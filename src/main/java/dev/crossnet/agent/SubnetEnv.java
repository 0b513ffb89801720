package dev.crossnet.agent;

import dev.crossnet.model.Subnet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The files the agent writes for the container runtime, in flannel's formats: {@code subnet.env}
 * (read by CNI and by scripts) and the docker options file that flannel's {@code mk-docker-opts.sh}
 * produces.
 *
 * @param network  the whole overlay network (FLANNEL_NETWORK)
 * @param subnet   this host's lease (FLANNEL_SUBNET is its first address with the lease's prefix)
 * @param mtu      the MTU containers must use
 * @param ipMasq   whether the agent masquerades traffic leaving the overlay (then Docker must not)
 */
public record SubnetEnv(Subnet network, Subnet subnet, int mtu, boolean ipMasq) {

    /** The text of subnet.env. */
    public String render() {
        return "FLANNEL_NETWORK=" + network + "\n"
                + "FLANNEL_SUBNET=" + subnet.gatewayCidr() + "\n"
                + "FLANNEL_MTU=" + mtu + "\n"
                + "FLANNEL_IPMASQ=" + ipMasq + "\n";
    }

    /**
     * The docker options file. Docker's own --ip-masq is the inverse of ours: if the agent
     * masquerades, Docker must not do it a second time.
     */
    public String renderDockerOpts() {
        String bip = "--bip=" + subnet.gatewayCidr();
        String masq = "--ip-masq=" + !ipMasq;
        String mtuOpt = "--mtu=" + mtu;
        return "DOCKER_OPT_BIP=\"" + bip + "\"\n"
                + "DOCKER_OPT_IPMASQ=\"" + masq + "\"\n"
                + "DOCKER_OPT_MTU=\"" + mtuOpt + "\"\n"
                + "DOCKER_NETWORK_OPTIONS=\" " + bip + " " + masq + " " + mtuOpt + "\"\n";
    }

    public void write(Path subnetFile, Path dockerOptsFile) {
        AtomicFiles.write(subnetFile, render());
        if (dockerOptsFile != null) {
            AtomicFiles.write(dockerOptsFile, renderDockerOpts());
        }
    }

    /** The bridge address, FLANNEL_SUBNET's address: the subnet's first. */
    public inet.ipaddr.IPAddress gateway() {
        return subnet.gateway();
    }

    /** {@code 10.5.34.1/24}: FLANNEL_SUBNET, the bridge's address with the lease's prefix. */
    public String gatewayCidr() {
        return subnet.gatewayCidr();
    }

    /**
     * Parses a subnet.env strictly.
     *
     * @param where the file name, for messages
     * @throws dev.crossnet.CrossnetException naming the file and the missing or malformed variable
     */
    public static SubnetEnv parse(String text, String where) {
        Map<String, String> vars = parseVars(text);
        try {
            Subnet network = Subnet.parse(require(vars, "FLANNEL_NETWORK", where));
            String gw = require(vars, "FLANNEL_SUBNET", where);
            inet.ipaddr.IPAddress gwCidr = new inet.ipaddr.IPAddressString(gw).getAddress();
            if (gwCidr == null || !gwCidr.isPrefixed()) {
                throw new dev.crossnet.CrossnetException(where + ": FLANNEL_SUBNET=" + gw + " is not ADDRESS/PREFIX");
            }
            int mtu = Integer.parseInt(require(vars, "FLANNEL_MTU", where));
            boolean masq = Boolean.parseBoolean(vars.getOrDefault("FLANNEL_IPMASQ", "false"));
            return new SubnetEnv(network, new Subnet(gwCidr.toPrefixBlock()), mtu, masq);
        } catch (IllegalArgumentException e) {
            throw new dev.crossnet.CrossnetException(where + ": " + e.getMessage());
        }
    }

    /** Reads and parses {@code file} strictly; see {@link #parse}. */
    public static SubnetEnv read(Path file) {
        try {
            return parse(Files.readString(file), file.toString());
        } catch (IOException e) {
            throw new dev.crossnet.CrossnetException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static String require(Map<String, String> vars, String key, String where) {
        String v = vars.get(key);
        if (v == null || v.isEmpty()) {
            throw new dev.crossnet.CrossnetException(where + ": " + key + " is missing");
        }
        return v;
    }

    /** Reads KEY=VALUE lines; an absent or unreadable file gives an empty map. */
    public static Map<String, String> readVars(Path file) {
        try {
            return parseVars(Files.readString(file));
        } catch (IOException e) {
            return Map.of();
        }
    }

    /** KEY=VALUE lines, comments and blanks skipped, one pair of surrounding quotes removed. */
    static Map<String, String> parseVars(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String raw : text.split("\n")) {
            String line = raw.trim();
            int eq = line.indexOf('=');
            if (eq > 0 && !line.startsWith("#")) {
                String v = line.substring(eq + 1).trim();
                if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
                    v = v.substring(1, v.length() - 1);
                }
                out.put(line.substring(0, eq).trim(), v);
            }
        }
        return out;
    }

    /** The lease subnet recorded in {@code file}'s FLANNEL_SUBNET, or null if absent or unparsable. */
    public static Subnet previousSubnet(Path file) {
        String s = readVars(file).get("FLANNEL_SUBNET");
        if (s == null) {
            return null;
        }
        try {
            int slash = s.indexOf('/');
            inet.ipaddr.IPAddress a = new inet.ipaddr.IPAddressString(s.substring(0, slash)).getAddress();
            return a == null ? null : Subnet.of(a, Integer.parseInt(s.substring(slash + 1)));
        } catch (RuntimeException e) {
            return null;
        }
    }
}

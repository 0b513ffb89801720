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

    /** Reads KEY=VALUE lines; an absent or unreadable file gives an empty map. */
    public static Map<String, String> readVars(Path file) {
        Map<String, String> out = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(file)) {
                int eq = line.indexOf('=');
                if (eq > 0 && !line.startsWith("#")) {
                    String v = line.substring(eq + 1).trim();
                    if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
                        v = v.substring(1, v.length() - 1);
                    }
                    out.put(line.substring(0, eq).trim(), v);
                }
            }
        } catch (IOException e) {
            return Map.of();
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

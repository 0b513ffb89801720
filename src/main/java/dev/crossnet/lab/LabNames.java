package dev.crossnet.lab;

import dev.crossnet.CrossnetException;
import dev.crossnet.model.Subnet;
import inet.ipaddr.IPAddress;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The lab's naming scheme and address plan. Pure functions, no I/O; thread-safe.
 *
 * <p>Users see {@code h1…hN} and {@code h1-c1, h1-c2…}. Namespaces carry the lab name as a prefix
 * ({@code cnlab-ul}, {@code cnlab-h1}, {@code cnlab-h1-c1}), so two labs never collide and
 * {@code down} finds everything a lab made by that prefix. Interface names are short and only
 * unique per namespace (veths are created straight into their target namespace), so they stay well
 * under the kernel's 15 characters whatever the lab is called:
 * <pre>
 *   cnlab-ul      br0 172.30.0.1/24, h1 h2 … (veth ends on br0)
 *   cnlab-h1      eth0 172.30.0.11/24 (peer of h1), cn0 = FLANNEL_SUBNET gateway, c1 c2 … on cn0
 *   cnlab-h1-c1   eth0 10.5.34.2/24 (peer of c1), default via 10.5.34.1
 * </pre>
 */
public final class LabNames {
    public static final String DEFAULT_LAB = "cnlab";
    public static final Pattern LAB_NAME = Pattern.compile("[a-z][a-z0-9]{0,11}");
    public static final int MAX_HOSTS = 200;

    /** The underlay: private, and it only ever exists inside the lab's namespaces. */
    public static final Subnet UNDERLAY = Subnet.parse("172.30.0.0/24");
    /** h1 is .11, h200 is .210: leaves .1 for the underlay bridge (and etcd) and room below. */
    static final int HOST_ADDRESS_OFFSET = 10;

    public static final String UNDERLAY_BRIDGE = "br0";
    public static final String HOST_IFACE = "eth0";
    public static final String HOST_BRIDGE = "cn0";
    public static final String CONTAINER_IFACE = "eth0";

    private static final Pattern REF = Pattern.compile("h([1-9][0-9]{0,2})(?:-c([1-9][0-9]{0,2}))?");

    private final String lab;

    public LabNames(String lab) {
        this.lab = checkLabName(lab);
    }

    /** @throws CrossnetException naming {@code --name} if {@code lab} is not a valid lab name */
    public static String checkLabName(String lab) {
        if (lab == null || !LAB_NAME.matcher(lab).matches()) {
            throw new CrossnetException("--name: \"" + lab + "\" is not a lab name; want 1-12 lower-case letters"
                    + " and digits, starting with a letter (it prefixes the lab's namespaces)");
        }
        return lab;
    }

    public String lab() {
        return lab;
    }

    /** Every namespace of this lab starts with this, and no other lab's does (lab names hold no '-'). */
    public String nsPrefix() {
        return lab + "-";
    }

    public String underlayNs() {
        return lab + "-ul";
    }

    public String hostNs(int host) {
        return lab + "-" + hostName(host);
    }

    public String containerNs(int host, int container) {
        return lab + "-" + containerName(host, container);
    }

    /** The namespace of a user-facing name ({@code h2}, {@code h2-c1}). */
    public String nsOf(Ref ref) {
        return ref.isHost() ? hostNs(ref.host()) : containerNs(ref.host(), ref.container());
    }

    public static String hostName(int host) {
        return "h" + host;
    }

    public static String containerName(int host, int container) {
        return "h" + host + "-c" + container;
    }

    /** The veth end on the underlay bridge, in the underlay namespace. */
    public static String underlayPort(int host) {
        return "h" + host;
    }

    /** The veth end on the host bridge, in the host namespace. */
    public static String containerPort(int container) {
        return "c" + container;
    }

    public static IPAddress underlayGateway() {
        return UNDERLAY.address(1);
    }

    public static IPAddress hostUnderlayIp(int host) {
        if (host < 1 || host > MAX_HOSTS) {
            throw new IllegalArgumentException("host index out of range 1-" + MAX_HOSTS + ": " + host);
        }
        return UNDERLAY.address(HOST_ADDRESS_OFFSET + host);
    }

    /** Container j of a host takes the j+1-th address of the host's subnet: .1 is the bridge, so c1 = .2. */
    public static IPAddress containerIp(Subnet hostSubnet, int container) {
        return hostSubnet.address(1L + container);
    }

    /** How many containers a host subnet of this prefix length holds: all but network, gateway, broadcast. */
    public static long maxContainers(int subnetLen) {
        return (1L << (32 - subnetLen)) - 3;
    }

    /** Parses a user-facing name: {@code h3} or {@code h3-c2}. */
    public static Optional<Ref> parseRef(String name) {
        Matcher m = REF.matcher(name == null ? "" : name);
        if (!m.matches()) {
            return Optional.empty();
        }
        int c = m.group(2) == null ? 0 : Integer.parseInt(m.group(2));
        return Optional.of(new Ref(Integer.parseInt(m.group(1)), c));
    }

    /** A host ({@code container == 0}) or one of its containers. */
    public record Ref(int host, int container) {
        public boolean isHost() {
            return container == 0;
        }

        @Override
        public String toString() {
            return isHost() ? hostName(host) : containerName(host, container);
        }
    }
}

package dev.crossnet.kernel.linux;

import dev.crossnet.kernel.Fdb;
import dev.crossnet.kernel.Firewall;
import dev.crossnet.kernel.Kernel;
import dev.crossnet.kernel.Links;
import dev.crossnet.kernel.Neighbours;
import dev.crossnet.kernel.Routes;
import dev.crossnet.kernel.Segments;
import dev.crossnet.kernel.Sysctl;
import java.util.regex.Pattern;

/**
 * The real kernel, for the namespace this JVM runs in ({@link #host()}) or for a named one ({@link
 * #inNamespace}), so that one process can program several lab hosts: devices, routes, neighbours
 * and the FDB are read through rtnetlink (one socket per kernel, see {@link NetlinkSocket}) and
 * written through iproute2 batches; the firewall through iptables. Needs root (CAP_NET_ADMIN, and
 * CAP_SYS_ADMIN for a named namespace). Thread-safe; every call blocks until the kernel or the
 * tool has answered.
 */
public final class LinuxKernel implements Kernel {

    private static final Pattern NETNS = Pattern.compile("[A-Za-z0-9_.-]+");

    private final String namespace;
    private final Links links;
    private final Routes routes;
    private final Neighbours neighbours;
    private final Fdb fdb;
    private final Firewall firewall;
    private final Sysctl sysctl;
    private final Segments segments;

    private LinuxKernel(Commands c) {
        this.namespace = c.namespace();
        // One socket for every read of this namespace, opened at the first.
        NetlinkSocket netlink = new NetlinkSocket(c.namespace());
        IpLinks l = new IpLinks(c, netlink);
        links = l;
        segments = new IpSegments(c, l);
        routes = new IpRoutes(c, netlink);
        neighbours = new IpNeighbours(c, netlink);
        fdb = new BridgeFdb(c, netlink);
        firewall = new IptablesFirewall(c);
        sysctl = new ProcSysctl(c);
    }

    /** The network namespace of this process. */
    public static LinuxKernel host() {
        return new LinuxKernel(new Commands(null));
    }

    /** The named namespace {@code /var/run/netns/<name>} (as {@code ip netns add} makes them). */
    public static LinuxKernel inNamespace(String name) {
        if (name == null || !NETNS.matcher(name).matches()) {
            throw new IllegalArgumentException("not a network namespace name: \"" + name + "\"");
        }
        return new LinuxKernel(new Commands(name));
    }

    /** A kernel that runs its tools through {@code commands} (a recording one, in tests). */
    static LinuxKernel with(Commands commands) {
        return new LinuxKernel(commands);
    }

    /** The namespace's name, or null for this process's own. */
    public String namespace() {
        return namespace;
    }

    @Override
    public Links links() {
        return links;
    }

    @Override
    public Routes routes() {
        return routes;
    }

    @Override
    public Neighbours neighbours() {
        return neighbours;
    }

    @Override
    public Fdb fdb() {
        return fdb;
    }

    @Override
    public Firewall firewall() {
        return firewall;
    }

    @Override
    public Sysctl sysctl() {
        return sysctl;
    }

    /** Bridged vxlan segments (the Docker network driver's data plane). */
    public Segments segments() {
        return segments;
    }

    @Override
    public String toString() {
        return namespace == null ? "LinuxKernel(host)" : "LinuxKernel(" + namespace + ")";
    }
}

package dev.crossnet.kernel;

/**
 * The iptables chains crossnet owns. Each is jumped to once from a built-in chain; crossnet only
 * ever rewrites its own chains' contents, never rules of the built-in chains other than that jump.
 * The jump is appended to the built-in chain, except for the INPUT filters, whose jump goes first
 * so that no earlier ACCEPT of the host's own rules lets a stranger's datagram past them.
 */
public enum Chain {
    /** filter table, jumped to from FORWARD: accepts overlay traffic. */
    FORWARD("filter", "CROSSNET-FWD", "FORWARD"),
    /** nat table, jumped to from POSTROUTING: masquerades traffic leaving the overlay. */
    POSTROUTING("nat", "CROSSNET-POSTRTG", "POSTROUTING"),
    /** filter table, jumped to from FORWARD: Docker networks of the crossnet driver (isolation, egress). */
    DOCKER_FORWARD("filter", "CROSSNET-DOCKER-FWD", "FORWARD"),
    /** nat table, jumped to from POSTROUTING: masquerades Docker network traffic leaving its subnet. */
    DOCKER_POSTROUTING("nat", "CROSSNET-DOCKER-NAT", "POSTROUTING"),
    /**
     * filter table, jumped to first from INPUT: datagrams to the network's encapsulation port (vxlan
     * 8472, udp 8285) only from the current peers' PublicIPs ({@link FirewallRules#encapsulationPeers}).
     */
    INPUT("filter", "CROSSNET-INPUT", "INPUT", true),
    /** filter table, jumped to first from INPUT: datagrams to the Docker networks' vxlan port only from their hosts. */
    DOCKER_INPUT("filter", "CROSSNET-DOCKER-IN", "INPUT", true);

    private final String table;
    private final String name;
    private final String parent;
    private final boolean first;

    Chain(String table, String name, String parent) {
        this(table, name, parent, false);
    }

    Chain(String table, String name, String parent, boolean first) {
        this.table = table;
        this.name = name;
        this.parent = parent;
        this.first = first;
    }

    public String table() {
        return table;
    }

    /** The chain's name, e.g. {@code CROSSNET-FWD}. */
    public String chainName() {
        return name;
    }

    /** The built-in chain that jumps to this one. */
    public String parent() {
        return parent;
    }

    /** Whether the jump is inserted at the top of {@link #parent()} rather than appended. */
    public boolean jumpFirst() {
        return first;
    }
}

package dev.crossnet.kernel;

/**
 * The iptables chains crossnet owns. Each is jumped to once from a built-in chain; crossnet only
 * ever rewrites its own chains' contents, never rules of the built-in chains other than that jump.
 */
public enum Chain {
    /** filter table, jumped to from FORWARD: accepts overlay traffic. */
    FORWARD("filter", "CROSSNET-FWD", "FORWARD"),
    /** nat table, jumped to from POSTROUTING: masquerades traffic leaving the overlay. */
    POSTROUTING("nat", "CROSSNET-POSTRTG", "POSTROUTING"),
    /** filter table, jumped to from FORWARD: Docker networks of the crossnet driver (isolation, egress). */
    DOCKER_FORWARD("filter", "CROSSNET-DOCKER-FWD", "FORWARD"),
    /** nat table, jumped to from POSTROUTING: masquerades Docker network traffic leaving its subnet. */
    DOCKER_POSTROUTING("nat", "CROSSNET-DOCKER-NAT", "POSTROUTING");

    private final String table;
    private final String name;
    private final String parent;

    Chain(String table, String name, String parent) {
        this.table = table;
        this.name = name;
        this.parent = parent;
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
}

package dev.crossnet.docker.sealed;

/**
 * Why the encrypted Docker datapath dropped a frame; {@link #label()} is the {@code reason} label of
 * {@value SealedDatapath#DROPS}. Refusals of the sealed datagrams themselves (cleartext, forgery,
 * replay, no key yet) are {@code dev.crossnet.seal.SealDrop}s, counted by {@code Tunnels}.
 */
public enum FrameDrop {
    /** Send: a frame shorter than an Ethernet header. Receive: a sealed payload too short for a VNI and a frame. */
    MALFORMED("malformed"),
    /** Send: a broadcast or multicast frame other than an ARP request for a remote endpoint: it never leaves the host. */
    KEPT_LOCAL("broadcast_kept_local"),
    /** Send: a unicast frame to a MAC address that no endpoint on another host has. */
    NO_DESTINATION("no_destination"),
    /** Send: the destination's host has published no seal certificate that verifies: nothing is sent, not even in clear. */
    NO_PEER("no_peer_certificate"),
    /** Receive: an authentic frame for a VNI that is no encrypted network with a segment on this host. */
    UNKNOWN_NETWORK("unknown_network"),
    /**
     * Receive: an authentic frame whose source MAC is not an endpoint of the sending host on that
     * network, or whose IPv4/ARP source address is not that endpoint's (a host may not speak for
     * another host's containers, nor for addresses its own were not given).
     */
    INNER_SOURCE("inner_source_not_peer_endpoint"),
    /** Receive: an authentic frame that is not unicast IPv4 or ARP (peers never send anything else). */
    INNER_TYPE("inner_not_unicast_ipv4_or_arp");

    private final String label;

    FrameDrop(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}

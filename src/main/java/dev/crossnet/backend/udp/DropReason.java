package dev.crossnet.backend.udp;

/** Why the datapath dropped a packet; {@link #label()} is the {@code reason} metric label. */
public enum DropReason {
    /** Receive: the datagram's source is no current peer's PublicIP:port. */
    UNKNOWN_SOURCE("unknown_source"),
    /** Either way: not a well-formed IPv4 packet (version, IHL, total length, header checksum). */
    MALFORMED("malformed"),
    /** Receive: the inner source address is outside the sending peer's subnet. */
    INNER_SOURCE("inner_source_outside_peer"),
    /** Receive: the inner destination is outside this host's subnet. */
    INNER_DESTINATION("inner_destination_outside_host"),
    /** Send: no peer subnet holds the destination. */
    NO_ROUTE("no_route"),
    /** Send, encrypted networks: the peer published no certificate, or one that does not verify against the cluster CA. */
    NO_CERTIFICATE("peer_certificate_invalid");

    private static final DropReason[] VALUES = values();

    private final String label;

    DropReason(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** The reason with this ordinal, for decoding {@link PacketValidator} verdicts. */
    public static DropReason of(int ordinal) {
        return VALUES[ordinal];
    }
}

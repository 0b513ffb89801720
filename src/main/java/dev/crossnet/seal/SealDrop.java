package dev.crossnet.seal;

/** Why the sealed datapath refused a packet; {@link #label()} is the {@code reason} metric label. */
public enum SealDrop {
    /** Receive: the first byte is no message type of ours (e.g. injected cleartext IP or VXLAN). */
    NOT_SEALED("not_sealed"),
    /** Receive: a message of ours with a wrong length or non-zero reserved bytes. */
    MALFORMED("malformed"),
    /** Receive: a transport or response message naming no key or handshake of ours. */
    UNKNOWN_SESSION("unknown_session"),
    /** Receive: a transport message under a key that has expired or been replaced. */
    STALE_KEY("stale_key"),
    /** Receive: the AEAD tag does not verify (tampered or forged). */
    BAD_TAG("bad_tag"),
    /** Receive: a counter already seen, or behind the replay window. */
    REPLAY("replay"),
    /** Receive: the decrypted packet's source is outside every subnet of the peer's certificate. */
    INNER_SOURCE("inner_source_outside_certificate"),
    /** Receive: more handshake initiations from this source than the per-peer bound allows. */
    HANDSHAKE_RATE("handshake_rate"),
    /** Receive: a handshake message that does not decrypt or is out of protocol. */
    HANDSHAKE_INVALID("handshake_invalid"),
    /** Receive: an initiation whose timestamp is not newer than the last one from that peer. */
    HANDSHAKE_REPLAY("handshake_replay"),
    /** Either way: a certificate not signed by the cluster CA, expired, or not matching the handshake key. */
    CERTIFICATE("certificate_rejected"),
    /** Receive: a valid handshake from a host that is not a current peer. */
    UNKNOWN_PEER("unknown_peer"),
    /** Send: no usable key for the peer yet (handshake pending); the packet is dropped, never sent in clear. */
    NO_SESSION("no_session");

    private static final SealDrop[] VALUES = values();
    private final String label;

    SealDrop(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** The negative code {@link Tunnels} returns for this drop: {@code -1 - ordinal}. */
    public int code() {
        return -1 - ordinal();
    }

    /** The drop a negative code stands for. */
    public static SealDrop ofCode(int code) {
        return VALUES[-1 - code];
    }
}

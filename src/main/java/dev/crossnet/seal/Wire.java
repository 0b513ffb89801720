package dev.crossnet.seal;

import java.nio.charset.StandardCharsets;

/** Message types, offsets and lengths of the wire format in {@code package-info.java}. */
final class Wire {
    static final int TYPE_INITIATION = 1;
    static final int TYPE_RESPONSE = 2;
    static final int TYPE_TRANSPORT = 4;

    /** Initiation: type/reserved (4) then Noise message 1. */
    static final int INITIATION_NOISE_OFFSET = 4;
    /** Initiation payload before the certificate: sender index (4) + timestamp (8). */
    static final int INITIATION_PAYLOAD_FIXED = 12;
    static final int INITIATION_MIN = INITIATION_NOISE_OFFSET + HandshakeState.MESSAGE1_OVERHEAD + INITIATION_PAYLOAD_FIXED + 1;
    static final int INITIATION_MAX = 8192;

    /** Response: type/reserved (4), receiver index (4), then Noise message 2 with a 4-byte payload. */
    static final int RESPONSE_RECEIVER_OFFSET = 4;
    static final int RESPONSE_NOISE_OFFSET = 8;
    static final int RESPONSE_LENGTH = RESPONSE_NOISE_OFFSET + HandshakeState.MESSAGE2_OVERHEAD + 4; // 8 + 48 + 4 = 60

    /** Transport: type/reserved (4), receiver index (4), counter (8); all 16 bytes are the AEAD's associated data. */
    static final int TRANSPORT_RECEIVER_OFFSET = 4;
    static final int TRANSPORT_COUNTER_OFFSET = 8;
    static final int TRANSPORT_HEADER = 16;
    static final int TAG = 16;
    /** Bytes a sealed packet adds to its inner packet: 16 header + 16 tag. */
    static final int TRANSPORT_OVERHEAD = TRANSPORT_HEADER + TAG;

    /** The Noise prologue: binds both sides to this protocol and version. */
    static final byte[] PROLOGUE = "crossnet seal v1".getBytes(StandardCharsets.US_ASCII);

    private Wire() {
    }
}

/**
 * Sealed links between hosts: the protocol that encrypts and authenticates the udp datapath.
 * Handshakes are Noise {@code Noise_IK_25519_AESGCM_SHA256} (Noise rev. 34), using only the JDK
 * (X25519 key agreement, AES/GCM/NoPadding, SHA-256, HmacSHA256). Nothing here does I/O: the
 * datapath hands in datagrams and a {@link dev.crossnet.seal.Tunnels.Transmit} for handshakes.
 *
 * <h2>Identity</h2>
 * Each host has a static X25519 key pair. Its public half is bound to the host name and the host's
 * subnets by a certificate from the cluster CA (profile in {@link dev.crossnet.seal.Certificates}).
 * {@code crossnet init}/{@code join} issue it before the host has a lease, so the prefix they bind is
 * the network's CIDR; the udp datapath then also checks each opened packet's source against the
 * sending peer's lease (see {@code dev.crossnet.backend.udp}). A store writer can thus move leases
 * between certified hosts, but cannot read traffic or pose as a host.
 * A peer's certificate comes from the store, and is verified against the CA before use, so the
 * store can withhold a peer but cannot introduce one. The initiator already knows the responder's
 * static key (IK's pre-message {@code <- s}); the responder learns the initiator's from message 1
 * and accepts it only with a CA-signed certificate for that key in the same message.
 *
 * <h2>Wire format</h2>
 * All integers big-endian. Byte 0 is the message type; bytes 1-3 are zero (a message with them
 * set is refused). Anything whose byte 0 is not 1, 2 or 4 is not ours and is refused
 * ({@code not_sealed}): cleartext IPv4 starts with 0x45, VXLAN with 0x08.
 * <pre>
 * Initiation (type 1), 113..8192 bytes
 *   0   type = 1, reserved (3)
 *   4   e: initiator ephemeral public key              32   in the clear, hashed (MixHash)
 *   36  ENC(s): initiator static public key + tag      48   AES-GCM under the es key, AD = h
 *   84  ENC(payload) + tag                             n+16 AES-GCM under the ss key, AD = h
 *       payload = sender index (4) | timestamp (8, ns since the epoch, increasing per initiator)
 *                 | initiator's host certificate (DER, the rest)
 * Response (type 2), 60 bytes
 *   0   type = 2, reserved (3)
 *   4   receiver index: the initiation's sender index   4    not authenticated; a wrong one finds no handshake
 *   8   e: responder ephemeral public key              32   hashed
 *   40  ENC(payload) + tag                             4+16 under the key after ee and se, AD = h
 *       payload = sender index (4)
 * Transport (type 4), 32 + inner bytes
 *   0   type = 4, reserved (3)
 *   4   receiver index                                  4
 *   8   counter                                         8    the AES-GCM nonce is 0x00000000 | counter
 *   16  ENC(inner IP packet) + tag                      n+16 AD = bytes 0..15
 * </pre>
 * The Noise prologue is {@code "crossnet seal v1"}. Everything in a handshake except the type
 * bytes and the response's receiver index is authenticated by the handshake hash; a transport
 * message authenticates all its bytes. An empty transport message is a keepalive; the initiator
 * sends one right after the response, which confirms the new keys to the responder.
 *
 * <h2>Keys and counters</h2>
 * Noise's {@code Split()} gives one key per direction. Each key has its own 64-bit send counter
 * and, on the receiving side, a {@link dev.crossnet.seal.ReplayWindow} of 16320 counters that is
 * updated only after the tag verifies. The initiator of a session starts a new handshake after
 * {@link dev.crossnet.seal.Limits#rekeyAfter()} (default 120 s; the network config's
 * {@code Backend.RekeyAfter} sets it, see {@link dev.crossnet.seal.Limits#rekeyingAfter}) or 2^60 packets; its responder
 * after halfway to {@link dev.crossnet.seal.Limits#rejectAfter()} (180 s), past which a key is
 * neither used nor accepted. Through a changeover a peer keeps up to three sessions: current
 * (sends), previous (still accepted) and next (answered, promoted by the peer's first packet).
 * Replaced keys are refused as {@code stale_key}.
 *
 * <h2>Receive checks, in order</h2>
 * Message type and length, receiver index, key age, AES-GCM tag, replay window, then the inner
 * packet: IPv4, with a source inside a subnet of the peer's certificate. Initiations are bounded
 * per source address ({@link dev.crossnet.seal.Limits#handshakesPerSecond()}) before any
 * Diffie-Hellman; their certificate must verify against the cluster CA and carry the handshake's
 * static key; their timestamp must be newer than the last accepted from that peer. Every refusal
 * is counted by {@link dev.crossnet.seal.SealDrop} reason.
 */
package dev.crossnet.seal;

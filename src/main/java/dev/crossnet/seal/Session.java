package dev.crossnet.seal;

import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.spec.SecretKeySpec;

/**
 * The transport keys of one completed handshake: a send key with its counter, a receive key with
 * its replay window, and the two indices that name them on the wire. Thread-safe: the counter is
 * atomic, the window locks, the flags are volatile.
 */
final class Session {
    final Tunnel tunnel;
    /** Our index: peers put it in the packets they send us under this session. */
    final int localIndex;
    /** The peer's index: we put it in the packets we send. */
    final int remoteIndex;
    final SecretKeySpec sendKey;
    final SecretKeySpec receiveKey;
    final AtomicLong sendCounter = new AtomicLong();
    final ReplayWindow window;
    final long createdNanos;
    /** True if we sent the initiation of this session's handshake. */
    final boolean initiator;
    /** Responder sessions are unconfirmed until the first packet arrives under them (Noise IK's key confirmation). */
    volatile boolean confirmed;
    /** Replaced by newer keys; packets under it are refused as stale. */
    volatile boolean retired;

    Session(Tunnel tunnel, int localIndex, int remoteIndex, byte[] sendKey, byte[] receiveKey, long createdNanos,
            boolean initiator, long rejectAfterMessages) {
        this.tunnel = tunnel;
        this.localIndex = localIndex;
        this.remoteIndex = remoteIndex;
        this.sendKey = new SecretKeySpec(sendKey, "AES");
        this.receiveKey = new SecretKeySpec(receiveKey, "AES");
        this.createdNanos = createdNanos;
        this.initiator = initiator;
        this.confirmed = initiator;
        this.window = new ReplayWindow(rejectAfterMessages);
    }

    long age(long nowNanos) {
        return nowNanos - createdNanos;
    }
}

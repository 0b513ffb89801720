package dev.crossnet.seal;

import java.time.Duration;

/**
 * Key lifetimes and handshake bounds. The defaults follow WireGuard's: rekey after 120 s or
 * 2^60 messages, refuse a key after 180 s or 2^62 messages, retry a handshake every 5 s, and
 * (ours) at most 20 initiations a second from one source, in bursts of up to 20.
 *
 * @param rekeyAfter the initiator of a session starts a new handshake once the session is this old
 *     (its responder waits until halfway between this and {@code rejectAfter})
 * @param rejectAfter a key is neither used nor accepted once this old
 * @param rekeyAfterMessages a new handshake starts once this many packets were sent under one key
 * @param rejectAfterMessages no packet is sent or accepted with a counter at or above this
 * @param handshakeRetry the least time between two initiations to one peer
 * @param handshakesPerSecond initiations accepted per second from one source address
 */
public record Limits(Duration rekeyAfter, Duration rejectAfter, long rekeyAfterMessages, long rejectAfterMessages,
        Duration handshakeRetry, int handshakesPerSecond) {
    public static final Limits DEFAULT = new Limits(Duration.ofSeconds(120), Duration.ofSeconds(180), 1L << 60, 1L << 62,
            Duration.ofSeconds(5), 20);

    public Limits {
        if (rekeyAfter.compareTo(rejectAfter) >= 0) {
            throw new IllegalArgumentException("rekeyAfter (" + rekeyAfter + ") must be shorter than rejectAfter (" + rejectAfter + ")");
        }
        if (rekeyAfterMessages <= 0 || rekeyAfterMessages >= rejectAfterMessages) {
            throw new IllegalArgumentException("rekeyAfterMessages must be positive and under rejectAfterMessages");
        }
        if (handshakesPerSecond <= 0) {
            throw new IllegalArgumentException("handshakesPerSecond must be positive");
        }
    }

    /**
     * The defaults with the initiator's rekey time set to {@code rekey} ({@code Backend.RekeyAfter}):
     * keys are refused after 180 s or 1.5 × {@code rekey}, whichever is longer (a short rekey
     * interval does not shorten the changeover a late packet has), and a handshake is retried after
     * 5 s or half of {@code rekey}, whichever is shorter (so a rekey is never held back by the retry bound).
     */
    public static Limits rekeyingAfter(Duration rekey) {
        Duration reject = rekey.multipliedBy(3).dividedBy(2);
        if (reject.compareTo(DEFAULT.rejectAfter) < 0) {
            reject = DEFAULT.rejectAfter;
        }
        Duration retry = rekey.dividedBy(2);
        if (retry.compareTo(DEFAULT.handshakeRetry) > 0) {
            retry = DEFAULT.handshakeRetry;
        }
        return new Limits(rekey, reject, DEFAULT.rekeyAfterMessages, DEFAULT.rejectAfterMessages, retry, DEFAULT.handshakesPerSecond);
    }

    /** These limits with a different rekey and reject time (e.g. short, for a rekey test). */
    public Limits withRekey(Duration rekey, Duration reject) {
        return new Limits(rekey, reject, rekeyAfterMessages, rejectAfterMessages, handshakeRetry, handshakesPerSecond);
    }
}

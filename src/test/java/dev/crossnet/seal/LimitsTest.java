package dev.crossnet.seal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@link Limits#rekeyingAfter}: what {@code Backend.RekeyAfter} sets, and that a short interval really rekeys that often. */
class LimitsTest {
    static final byte[] HELLO = "hello".getBytes(StandardCharsets.US_ASCII);

    @Test
    void rekeyingAfter_short_keepsTheDefaultRejectTimeAndRetriesWithinTheInterval() {
        Limits l = Limits.rekeyingAfter(Duration.ofSeconds(2));
        assertThat(l.rekeyAfter()).isEqualTo(Duration.ofSeconds(2));
        assertThat(l.rejectAfter()).isEqualTo(Limits.DEFAULT.rejectAfter());
        assertThat(l.handshakeRetry()).isEqualTo(Duration.ofSeconds(1));
        assertThat(l.handshakesPerSecond()).isEqualTo(Limits.DEFAULT.handshakesPerSecond());
    }

    @Test
    void rekeyingAfter_long_rejectsAtOneAndAHalfTimesAndRetriesEvery5s() {
        Limits l = Limits.rekeyingAfter(Duration.ofSeconds(600));
        assertThat(l.rejectAfter()).isEqualTo(Duration.ofSeconds(900));
        assertThat(l.handshakeRetry()).isEqualTo(Limits.DEFAULT.handshakeRetry());
    }

    /** With the default 5 s retry bound, a 2 s rekey interval would only rekey every 5 s. */
    @Test
    void rekeyingAfter_2s_aSenderRekeysEvery2sAndEveryKeyStaysUsable() throws Exception {
        SealedHosts h = new SealedHosts(Limits.rekeyingAfter(Duration.ofSeconds(2)));
        h.connect();
        for (int i = 0; i < 5; i++) {
            Session before = h.aToB.current;
            h.clock.advance(Duration.ofMillis(2100));
            byte[] p = h.seal(h.a, h.aToB, "10.5.1.2", "10.5.2.2", HELLO); // still under the old key; starts the rekey
            assertThat(h.wire).as("rekey %d started", i).hasSize(1);
            h.pump();
            assertThat(h.aToB.current).isNotSameAs(before);
            assertThat((int) h.open(h.b, p)[0]).as("a packet sealed just before the rekey").isPositive();
        }
    }
}

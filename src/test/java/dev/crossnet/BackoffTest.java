package dev.crossnet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crossnet.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class BackoffTest {
    final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    final Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), clock);

    @Test
    void failures_doubleTheWaitUpToMax_andSuccessStartsOver() {
        assertThat(b.due()).isTrue();
        assertThat(b.retryAt()).isNull();
        long[] waits = new long[8];
        for (int i = 0; i < waits.length; i++) {
            waits[i] = Duration.between(clock.instant(), b.failed()).toSeconds();
        }
        assertThat(waits).containsExactly(1, 2, 4, 8, 16, 30, 30, 30);
        assertThat(b.failures()).isEqualTo(8);
        b.succeeded();
        assertThat(b.due()).isTrue();
        assertThat(Duration.between(clock.instant(), b.failed())).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void due_onlyOnceTheWaitIsOver() {
        b.failed();
        b.failed(); // 2 s from now
        assertThat(b.due()).isFalse();
        clock.advance(Duration.ofMillis(1999));
        assertThat(b.due()).isFalse();
        clock.advance(Duration.ofMillis(1));
        assertThat(b.due()).isTrue();
    }

    @Test
    void badBounds_refused() {
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), clock)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), clock)).isInstanceOf(IllegalArgumentException.class);
    }
}

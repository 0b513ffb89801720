package dev.crossnet.seal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link ReplayWindow} against a slow reference: a set of every counter ever accepted. */
class ReplayWindowTest {
    private static final long LIMIT = 1L << 40;

    /** Obviously correct and unbounded in memory: accept iff unseen, in range and not too old. */
    static final class Reference {
        private final Set<Long> seen = new HashSet<>();
        private long highest = -1;

        boolean accept(long c) {
            if (c < 0 || c >= LIMIT || seen.contains(c)) {
                return false;
            }
            if (highest >= 0 && highest - c >= ReplayWindow.SIZE) {
                return false;
            }
            seen.add(c);
            highest = Math.max(highest, c);
            return true;
        }
    }

    @Test
    void accept_randomTraffic_agreesWithReference() {
        for (long seed = 1; seed <= 20; seed++) {
            Random rnd = new Random(seed);
            ReplayWindow w = new ReplayWindow(LIMIT);
            Reference ref = new Reference();
            long base = rnd.nextBoolean() ? 0 : LIMIT - 200_000;
            long next = base;
            for (int i = 0; i < 60_000; i++) {
                long c;
                switch (rnd.nextInt(6)) {
                    case 0 -> c = next + rnd.nextInt(100); // a little ahead
                    case 1 -> c = next - rnd.nextInt((int) ReplayWindow.SIZE + 200); // near the edge, either side
                    case 2 -> c = next + rnd.nextInt(40_000); // a big jump
                    case 3 -> c = next - 1 - rnd.nextInt(64); // a replay of something recent
                    case 4 -> c = rnd.nextInt(8) == 0 ? -1 - rnd.nextInt(5) : LIMIT - 3 + rnd.nextInt(6); // bounds
                    default -> c = next;
                }
                if (rnd.nextInt(3) == 0) {
                    next++;
                }
                boolean expected = ref.accept(c);
                assertThat(w.accept(c)).as("seed %d step %d counter %d", seed, i, c).isEqualTo(expected);
                if (expected && c > next) {
                    next = c;
                }
            }
        }
    }

    @Test
    void accept_exactlyAtWindowEdge_oldestInsideAcceptedOneMoreRefused() {
        ReplayWindow w = new ReplayWindow(LIMIT);
        assertThat(w.accept(20_000)).isTrue();
        assertThat(w.accept(20_000 - ReplayWindow.SIZE + 1)).isTrue();
        assertThat(w.accept(20_000 - ReplayWindow.SIZE)).isFalse();
        assertThat(w.accept(20_000 - 8192)).isTrue(); // the issue asks for at least 8192
        assertThat(w.accept(20_000 - 8192)).isFalse();
    }

    @Test
    void accept_hugeJump_forgetsEverythingBehind() {
        ReplayWindow w = new ReplayWindow(LIMIT);
        for (int i = 0; i < 1000; i++) {
            assertThat(w.accept(i)).isTrue();
        }
        assertThat(w.accept(1_000_000)).isTrue();
        assertThat(w.accept(1_000_000 - 5)).isTrue(); // the ring was cleared, not left with stale bits
        assertThat(w.accept(999)).isFalse();
    }
}

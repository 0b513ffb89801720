package dev.crossnet.backend.udp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link Checksum#sum} (32-bit words, eight bytes per step) against the plain 16-bit-word definition of RFC 1071. */
class ChecksumTest {

    static int reference(byte[] b, int off, int len, long initial) {
        long s = initial;
        for (int i = 0; i < len; i += 2) {
            int hi = b[off + i] & 0xff;
            int lo = i + 1 < len ? b[off + i + 1] & 0xff : 0;
            s += hi << 8 | lo;
        }
        return Checksum.fold(s);
    }

    @Test
    void sum_randomRangesOfDirectAndHeapBuffers_matchesTheDefinition() {
        Random r = new Random(11);
        for (int round = 0; round < 20_000; round++) {
            int cap = 1 + r.nextInt(3000);
            byte[] data = new byte[cap];
            if (round % 3 == 0) {
                java.util.Arrays.fill(data, (byte) 0xff); // carries everywhere
            } else {
                r.nextBytes(data);
            }
            int off = r.nextInt(cap);
            int len = r.nextInt(cap - off + 1);
            long initial = r.nextInt(1 << 20);
            ByteBuffer direct = ByteBuffer.allocateDirect(cap).put(0, data);
            int want = reference(data, off, len, initial);
            assertThat(Checksum.fold(Checksum.sum(direct, off, len, initial))).as("direct off %d len %d", off, len).isEqualTo(want);
            assertThat(Checksum.fold(Checksum.sum(ByteBuffer.wrap(data), off, len, initial))).isEqualTo(want);
        }
    }

    @Test
    void copyAndSum_randomRanges_copiesExactlyAndSumsLikeSum() {
        Random r = new Random(12);
        for (int round = 0; round < 5_000; round++) {
            int cap = 1 + r.nextInt(3000);
            byte[] data = new byte[cap];
            r.nextBytes(data);
            int off = r.nextInt(cap);
            int len = r.nextInt(cap - off + 1);
            int at = r.nextInt(64);
            long initial = r.nextInt(1 << 20);
            int want = reference(data, off, len, initial);
            for (boolean direct : new boolean[] {true, false}) {
                ByteBuffer src = direct ? ByteBuffer.allocateDirect(cap).put(0, data) : ByteBuffer.wrap(data);
                ByteBuffer dst = direct ? ByteBuffer.allocateDirect(at + len + 8) : ByteBuffer.allocate(at + len + 8);
                assertThat(Checksum.fold(Checksum.copyAndSum(src, off, dst, at, len, initial)))
                        .as("direct %s off %d len %d", direct, off, len).isEqualTo(want);
                byte[] copied = new byte[len];
                dst.get(at, copied);
                assertThat(copied).isEqualTo(java.util.Arrays.copyOfRange(data, off, off + len));
                assertThat(dst.get(at + len)).isZero(); // nothing written past the range
            }
        }
    }

    @Test
    void sum_rangeBeyondCapacity_throws() {
        ByteBuffer b = ByteBuffer.allocateDirect(64);
        assertThatThrownBy(() -> Checksum.sum(b, 60, 8, 0)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> Checksum.sum(b, -1, 2, 0)).isInstanceOf(IndexOutOfBoundsException.class);
    }
}

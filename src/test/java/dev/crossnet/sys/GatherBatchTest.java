package dev.crossnet.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class GatherBatchTest {

    private static ByteBuffer direct(String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocateDirect(b.length).put(0, b);
    }

    private static String message(GatherBatch g, int m) {
        ByteBuffer out = ByteBuffer.allocate(g.bytes(m));
        assertThat(g.copyMessage(m, out, 0)).isEqualTo(g.bytes(m));
        return new String(out.array(), StandardCharsets.US_ASCII);
    }

    @Test
    void messages_piecesFromSeveralBuffers_keepTheirOrderLengthsAndAddresses() {
        ByteBuffer a = direct("HEADERpayload-one");
        ByteBuffer b = direct("xxpayload-two");
        long baseA = LibC.address(a);
        long baseB = LibC.address(b);
        GatherBatch g = new GatherBatch(4, 8);
        g.begin(7L, 0);
        g.add(a, baseA, 0, 6);
        g.add(b, baseB, 2, 11);
        g.begin(9L, 100);
        g.add(a, baseA, 6, 11);

        assertThat(g.messages()).isEqualTo(2);
        assertThat(message(g, 0)).isEqualTo("HEADERpayload-two");
        assertThat(message(g, 1)).isEqualTo("payload-one");
        assertThat(g.dest(0)).isEqualTo(7L);
        assertThat(g.segment(1)).isEqualTo(100);
        assertThat(g.pieces(0)).isEqualTo(2);
        assertThat(g.firstPiece(1)).isEqualTo(2);
        assertThat(g.address(1)).isEqualTo(baseB + 2);
        assertThat(g.length(1)).isEqualTo(11);
        assertThat(g.bytes(0)).isEqualTo(17);
    }

    @Test
    void capacity_refusedBeyondItAndFreedByClear() {
        ByteBuffer a = direct("abcd");
        GatherBatch g = new GatherBatch(1, 2);
        assertThat(g.canAdd(1)).isFalse(); // no open message
        assertThatThrownBy(() -> g.add(a, 0, 0, 1)).isInstanceOf(IllegalStateException.class).hasMessageContaining("no open message");
        g.begin(1L, 0);
        g.add(a, 0, 0, 1);
        g.add(a, 0, 1, 1);
        assertThat(g.canAdd(1)).isFalse();
        assertThat(g.canBegin(0)).isFalse();
        assertThatThrownBy(() -> g.add(a, 0, 2, 1)).hasMessageContaining("2 pieces");
        assertThatThrownBy(() -> g.begin(2L, 0)).hasMessageContaining("1 messages");

        g.clear();
        assertThat(g.messages()).isZero();
        assertThat(g.canBegin(2)).isTrue();
        g.begin(3L, 0);
        g.add(a, 0, 2, 2);
        assertThat(message(g, 0)).isEqualTo("cd");
    }
}

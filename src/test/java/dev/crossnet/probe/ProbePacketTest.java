package dev.crossnet.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ProbePacketTest {

    @Test
    void encodeThenDecode_givesTheSamePacket_andAnAnswerKeepsSeqAndStamp() {
        ProbePacket echo = new ProbePacket(ProbePacket.Kind.ECHO, 42L, -7L);
        byte[] wire = echo.encode();

        assertThat(wire).hasSize(ProbePacket.LENGTH);
        assertThat(ProbePacket.decode(wire, wire.length)).isEqualTo(echo);
        assertThat(ProbePacket.decode(echo.answer().encode(), ProbePacket.LENGTH))
                .isEqualTo(new ProbePacket(ProbePacket.Kind.ANSWER, 42L, -7L));
    }

    @Test
    void decode_anythingElse_isNull() {
        byte[] wire = new ProbePacket(ProbePacket.Kind.ECHO, 1, 2).encode();
        assertThat(ProbePacket.decode(wire, wire.length - 1)).as("short").isNull();
        assertThat(ProbePacket.decode(Arrays.copyOf(wire, 25), 25)).as("long").isNull();
        byte[] magic = wire.clone();
        magic[0] ^= 1;
        assertThat(ProbePacket.decode(magic, magic.length)).as("magic").isNull();
        byte[] kind = wire.clone();
        kind[4] = 3;
        assertThat(ProbePacket.decode(kind, kind.length)).as("kind").isNull();
        byte[] pad = wire.clone();
        pad[6] = 1;
        assertThat(ProbePacket.decode(pad, pad.length)).as("padding").isNull();
    }
}

package dev.crossnet.seal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.nio.ByteBuffer;
import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** {@link PacketCipher} on the datapath's direct buffers: what it writes is plain JCE AES-GCM, at any size, in place. */
class PacketCipherTest {
    private static final byte[] KEY = new byte[32];

    static {
        new Random(7).nextBytes(KEY);
    }

    private static Session session() {
        return new Session(null, 1, 0x01020304, KEY, KEY, 0, true, Long.MAX_VALUE);
    }

    @Test
    void seal_directBufferAtOffset_matchesBareJceOverHeaderAndPacket() throws Exception {
        byte[] inner = new byte[1400];
        new Random(1).nextBytes(inner);
        ByteBuffer buf = ByteBuffer.allocateDirect(100 + 32 + inner.length);
        buf.put(100 + Wire.TRANSPORT_HEADER, inner);
        int n = new PacketCipher().seal(session(), 5, buf, 100, inner.length);
        assertThat(n).isEqualTo(inner.length + Wire.TRANSPORT_OVERHEAD);

        byte[] header = ByteBuffer.allocate(16).put((byte) 4).put(new byte[3]).putInt(0x01020304).putLong(5).array();
        byte[] iv = ByteBuffer.allocate(12).putInt(0).putLong(5).array();
        Cipher jce = Cipher.getInstance("AES/GCM/NoPadding");
        jce.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(KEY, "AES"), new GCMParameterSpec(128, iv));
        jce.updateAAD(header);
        byte[] expected = jce.doFinal(inner);
        byte[] got = new byte[n];
        buf.get(100, got);
        assertThat(ByteBuffer.wrap(got, 0, 16)).isEqualTo(ByteBuffer.wrap(header));
        assertThat(ByteBuffer.wrap(got, 16, n - 16)).isEqualTo(ByteBuffer.wrap(expected));
    }

    @Test
    void open_afterSeal_restoresPacketAtEverySizeUpToSuperPacket() {
        PacketCipher sealer = new PacketCipher();
        PacketCipher opener = new PacketCipher();
        Session s = session();
        ByteBuffer buf = ByteBuffer.allocateDirect(65_536 + 64);
        long counter = 0;
        for (int size : new int[] {0, 1, 20, 1400, 2048, 9000, 65_535}) {
            byte[] inner = new byte[size];
            new Random(size).nextBytes(inner);
            buf.clear();
            buf.put(8 + Wire.TRANSPORT_HEADER, inner);
            int n = sealer.seal(s, counter++, buf, 8, size);
            assertThat(opener.open(s, buf, 8, n)).as("size %d", size).isTrue();
            byte[] back = new byte[size];
            buf.get(8 + Wire.TRANSPORT_HEADER, back);
            assertThat(back).as("size %d", size).isEqualTo(inner);
        }
    }

    @Test
    void open_badTag_refusedAndBufferLeftAsReceived() {
        Session s = session();
        ByteBuffer buf = ByteBuffer.allocateDirect(2048);
        buf.put(Wire.TRANSPORT_HEADER, new byte[1400]);
        int n = new PacketCipher().seal(s, 9, buf, 0, 1400);
        buf.put(n - 1, (byte) (buf.get(n - 1) ^ 1));
        byte[] received = new byte[n];
        buf.get(0, received);

        assertThat(new PacketCipher().open(s, buf, 0, n)).isFalse();
        byte[] after = new byte[n];
        buf.get(0, after);
        assertThat(after).as("no unauthenticated plaintext written back").isEqualTo(received);
    }

    @Test
    void warmUp_sealsAndOpensWithoutError() {
        assertThatCode(() -> PacketCipher.warmUp(200, 1440)).doesNotThrowAnyException();
    }
}

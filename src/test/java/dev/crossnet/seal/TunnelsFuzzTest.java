package dev.crossnet.seal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the receive side of {@link Tunnels} (the transport decoder and the handshake parser) on a
 * host with a live session: whatever arrives, nothing throws, and nothing that is not a genuine,
 * fresh packet from the peer is delivered or answered. {@code mvn test} runs the seeded mutation
 * loop and replays the corpus; {@code JAZZER_FUZZ=1 mvn test -Dtest=TunnelsFuzzTest} fuzzes with
 * coverage guidance.
 */
class TunnelsFuzzTest {
    private static SealedHosts hosts;
    private static final List<byte[]> GENUINE = new ArrayList<>();

    private static synchronized SealedHosts hosts() throws Exception {
        if (hosts == null) {
            hosts = new SealedHosts(Limits.DEFAULT, true);
            hosts.a.initiate(hosts.aToB);
            GENUINE.add(((byte[]) hosts.wire.peek()[2]).clone()); // an initiation
            hosts.pump();
            for (int i = 0; i < 4; i++) {
                byte[] p = hosts.seal(hosts.a, hosts.aToB, "10.5.1.2", "10.5.2.2", ("packet " + i).getBytes(StandardCharsets.US_ASCII));
                // Delivered once here, so an unchanged copy from the fuzzer is a replay, not a delivery.
                assertThat((int) hosts.open(hosts.b, p)[0]).isPositive();
                GENUINE.add(p);
            }
        }
        return hosts;
    }

    /**
     * Input: byte 0 picks one of 16 sources; the rest is the datagram, opened at offset 3 of a
     * direct buffer. The clock stands still, so each source gets one burst of handshake tokens:
     * the rest of the initiations stop at the rate bound, which keeps the run fast.
     */
    @FuzzTest(maxDuration = "30s")
    void open_anyDatagram_deliversAndAnswersNothing(byte[] input) throws Exception {
        if (input.length == 0) {
            return;
        }
        SealedHosts h = hosts();
        byte[] d = Arrays.copyOfRange(input, 1, input.length);
        ByteBuffer buf = ByteBuffer.allocateDirect(d.length + 3);
        buf.put(3, d);
        int r = h.b.open(h.bCipher, buf, 3, d.length);
        String what = HexFormat.of().formatHex(input);
        if (r == Tunnels.HANDSHAKE) {
            assertThat(h.b.handshake(h.bCipher, d, input[0] & 0x0f)).as("answered %s", what).isNull();
        } else {
            assertThat(r).as("result for %s", what).isNegative();
            assertThat(SealDrop.ofCode(r)).isNotNull();
        }
    }

    /** A seeded mutation fuzzer in every build: genuine messages flipped, cut, extended, spliced. */
    @Test
    void open_mutatedGenuineMessages_neverDeliveredOrAnswered() throws Exception {
        hosts();
        Random rnd = new Random(20_261_127);
        for (int i = 0; i < 8_000; i++) {
            byte[] p = GENUINE.get(rnd.nextInt(GENUINE.size())).clone();
            switch (rnd.nextInt(5)) {
                case 0 -> p[rnd.nextInt(p.length)] ^= (byte) (1 << rnd.nextInt(8));
                case 1 -> p = Arrays.copyOf(p, rnd.nextInt(p.length));
                case 2 -> p = Arrays.copyOf(p, p.length + 1 + rnd.nextInt(16));
                case 3 -> p[rnd.nextInt(Math.min(p.length, 16))] = (byte) rnd.nextInt(256);
                default -> {
                    byte[] q = GENUINE.get(rnd.nextInt(GENUINE.size()));
                    int cut = rnd.nextInt(Math.min(p.length, q.length));
                    System.arraycopy(q, cut, p, cut, Math.min(p.length, q.length) - cut);
                    p[rnd.nextInt(p.length)] ^= 0x40; // never the unchanged original
                }
            }
            byte[] input = new byte[p.length + 1];
            input[0] = (byte) rnd.nextInt(256);
            System.arraycopy(p, 0, input, 1, p.length);
            open_anyDatagram_deliversAndAnswersNothing(input);
        }
        assertThat(hosts.b.drops(SealDrop.BAD_TAG)).isPositive();
    }
}

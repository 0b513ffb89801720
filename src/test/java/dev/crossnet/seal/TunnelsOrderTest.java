package dev.crossnet.seal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The order of a responder's first datagrams. A responder with no keys yet uses the session it
 * answers at once; but the initiator can open packets under it only after reading the response.
 * So the response must be on its way (handed to {@link Tunnels.Transmit}) before the new keys
 * can seal anything: a datapath thread that seals the moment {@link Tunnels#handshake} has
 * installed them must not overtake it.
 */
class TunnelsOrderTest {
    private static final byte[] HELLO = "first packet of the responder".getBytes(StandardCharsets.US_ASCII);

    @Test
    void responderDataSealedAsSoonAsItAnswered_doesNotOvertakeItsResponse_initiatorDropsNothingAsUnknownSession() throws Exception {
        SealedHosts h = new SealedHosts(Limits.DEFAULT);
        h.a.initiate(h.aToB);
        byte[] initiation = (byte[]) h.wire.poll()[2];
        List<byte[]> bToA = new ArrayList<>(); // B's datagrams to A, in the order they leave B

        byte[] returned = h.b.handshake(h.bCipher, initiation, SealedHosts.A_ENDPOINT);
        while (!h.wire.isEmpty()) {
            bToA.add((byte[]) h.wire.poll()[2]); // what B transmitted while answering
        }
        // Another thread of B's datapath seals a packet for A as soon as handshake() has returned, before
        // B's receiving thread sends what it returned.
        byte[] data = h.seal(h.b, h.bToA, "10.5.2.2", "10.5.1.2", HELLO);
        assertThat(data).as("B seals at once under the session it answered").isNotNull();
        bToA.add(data);
        if (returned != null) {
            bToA.add(returned);
        }

        int delivered = 0;
        for (byte[] d : bToA) {
            Object[] r = h.open(h.a, d);
            if ((int) r[0] == Tunnels.HANDSHAKE) {
                h.a.handshake(h.aCipher, d, SealedHosts.B_ENDPOINT);
            } else if ((int) r[0] > 0) {
                delivered++;
            }
        }
        assertThat(h.a.drops(SealDrop.UNKNOWN_SESSION)).as("B's packet reached A before B's response").isZero();
        assertThat(delivered).as("B's first packet, opened by A").isEqualTo(1);
    }
}

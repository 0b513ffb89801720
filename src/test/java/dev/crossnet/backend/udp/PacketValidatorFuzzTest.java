package dev.crossnet.backend.udp;

import static dev.crossnet.backend.udp.Packets.ip;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.crossnet.model.Subnet;
import dev.crossnet.udp.Endpoints;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes {@link PacketValidator#check} against a slow reference written independently from the
 * RFC 791 header rules. {@code mvn test} replays the corpus in
 * {@code src/test/resources/.../PacketValidatorFuzzTestInputs} and runs a seeded mutation loop;
 * {@code JAZZER_FUZZ=1 mvn test -Dtest=PacketValidatorFuzzTest} fuzzes with coverage guidance.
 */
class PacketValidatorFuzzTest {
    static final long[] SOURCES = {
        Endpoints.of(ip("192.168.1.2"), 8285), // peer for 10.5.2.0/24
        Endpoints.of(ip("192.168.1.3"), 8285), // peer for 10.5.3.0/24
        Endpoints.of(ip("192.168.1.2"), 8286), // right host, wrong port
        Endpoints.of(ip("192.168.1.99"), 8285), // stranger
    };
    static final int OWN = ip("10.5.9.0");

    private final ForwardingTable table;

    PacketValidatorFuzzTest() {
        UdpMetrics m = new UdpMetrics(new PrometheusRegistry());
        table = ForwardingTable.of(List.of(new Peer(Subnet.parse("10.5.2.0/24"), SOURCES[0], m),
                new Peer(Subnet.parse("10.5.3.0/24"), SOURCES[1], m)));
    }

    /** Input: byte 0 picks the source endpoint; the rest is the datagram. */
    @FuzzTest(maxDuration = "30s")
    void check_anyDatagram_acceptsOnlyWhatTheReferenceAccepts(byte[] input) {
        if (input.length == 0) {
            return;
        }
        long source = SOURCES[(input[0] & 0xff) % SOURCES.length];
        byte[] d = java.util.Arrays.copyOfRange(input, 1, input.length);
        ByteBuffer b = ByteBuffer.allocate(d.length + 3);
        b.put(3, d);
        int verdict = PacketValidator.check(b, 3, d.length, source, table, OWN, 24);
        int expected = reference(d, source);
        if (verdict != expected) {
            assertThat(verdict).as("verdict for %s", java.util.HexFormat.of().formatHex(input)).isEqualTo(expected);
        }
    }

    /** A seeded mutation fuzzer that runs in every build: valid packets, then flipped/truncated/extended. */
    @Test
    void check_mutatedPackets_matchReference() {
        Random rnd = new Random(20_240_501);
        for (int i = 0; i < 30_000; i++) {
            byte[] p = Packets.ipv4Udp(rnd.nextBoolean() ? "10.5.2." + rnd.nextInt(256) : "10.5." + rnd.nextInt(12) + ".1",
                    rnd.nextBoolean() ? "10.5.9." + rnd.nextInt(256) : "10.5." + rnd.nextInt(12) + ".7", rnd.nextInt(64));
            switch (rnd.nextInt(5)) {
                case 0 -> p[rnd.nextInt(p.length)] ^= (byte) (1 << rnd.nextInt(8));
                case 1 -> p = java.util.Arrays.copyOf(p, rnd.nextInt(p.length + 1));
                case 2 -> p = java.util.Arrays.copyOf(p, p.length + 1 + rnd.nextInt(4));
                case 3 -> p[rnd.nextInt(Math.min(p.length, 20))] = (byte) rnd.nextInt(256);
                default -> { }
            }
            byte[] input = new byte[p.length + 1];
            input[0] = (byte) rnd.nextInt(SOURCES.length);
            System.arraycopy(p, 0, input, 1, p.length);
            check_anyDatagram_acceptsOnlyWhatTheReferenceAccepts(input);
        }
    }

    /** Slow and literal: each RFC 791 rule on its own, with unsigned arithmetic on a byte array. */
    private static int reference(byte[] d, long source) {
        String sourceText = Endpoints.toString(source);
        boolean knownSource = sourceText.equals("192.168.1.2:8285") || sourceText.equals("192.168.1.3:8285");
        if (!knownSource) {
            return DropReason.UNKNOWN_SOURCE.ordinal();
        }
        if (d.length < 20) {
            return DropReason.MALFORMED.ordinal();
        }
        int version = (d[0] & 0xff) / 16;
        int ihlBytes = (d[0] & 0x0f) * 4;
        int totalLength = (d[2] & 0xff) * 256 + (d[3] & 0xff);
        if (version != 4 || ihlBytes < 20 || ihlBytes > d.length || totalLength != d.length) {
            return DropReason.MALFORMED.ordinal();
        }
        long sum = 0;
        for (int i = 0; i < ihlBytes; i += 2) {
            sum += (d[i] & 0xff) * 256L + (d[i + 1] & 0xff);
        }
        sum = (sum % 0xffff); // end-around carry: the folded sum is 0xffff exactly when sum % 0xffff == 0
        if (sum != 0) {
            return DropReason.MALFORMED.ordinal();
        }
        String src = (d[12] & 0xff) + "." + (d[13] & 0xff) + "." + (d[14] & 0xff);
        String dst = (d[16] & 0xff) + "." + (d[17] & 0xff) + "." + (d[18] & 0xff);
        String expectedPrefix = sourceText.startsWith("192.168.1.2:") ? "10.5.2" : "10.5.3";
        if (!src.equals(expectedPrefix)) {
            return DropReason.INNER_SOURCE.ordinal();
        }
        if (!dst.equals("10.5.9")) {
            return DropReason.INNER_DESTINATION.ordinal();
        }
        return PacketValidator.ACCEPT;
    }
}

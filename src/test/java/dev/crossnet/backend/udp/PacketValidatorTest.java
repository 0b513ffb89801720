package dev.crossnet.backend.udp;

import static dev.crossnet.backend.udp.Packets.ip;
import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.model.Subnet;
import dev.crossnet.udp.Endpoints;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class PacketValidatorTest {
    static final long PEER_A = Endpoints.of(ip("192.168.1.2"), 8285);
    static final long PEER_B = Endpoints.of(ip("192.168.1.3"), 8285);
    static final int OWN = ip("10.5.9.0");
    static final int OWN_PREFIX = 24;

    private final UdpMetrics metrics = new UdpMetrics(new PrometheusRegistry());
    private final ForwardingTable table = ForwardingTable.of(List.of(
            new Peer(Subnet.parse("10.5.2.0/24"), PEER_A, metrics),
            new Peer(Subnet.parse("10.5.3.0/24"), PEER_B, metrics)));

    private int check(byte[] p, long source) {
        ByteBuffer b = ByteBuffer.allocateDirect(p.length + 8);
        b.put(4, p);
        return PacketValidator.check(b, 4, p.length, source, table, OWN, OWN_PREFIX);
    }

    @Test
    void check_validPacketFromItsPeer_accepted() {
        assertThat(check(Packets.ipv4Udp("10.5.2.7", "10.5.9.3", 100), PEER_A)).isEqualTo(PacketValidator.ACCEPT);
    }

    @Test
    void check_overlayProbeBetweenTheHostsOverlayAddresses_accepted() {
        // dev.crossnet.probe: from the peer subnet's network address to ours.
        assertThat(check(Packets.ipv4Udp("10.5.2.0", "10.5.9.0", 24), PEER_A)).isEqualTo(PacketValidator.ACCEPT);
    }

    @Test
    void check_unknownSource_dropped() {
        assertThat(check(Packets.ipv4Udp("10.5.2.7", "10.5.9.3", 100), Endpoints.of(ip("192.168.1.66"), 8285)))
                .isEqualTo(DropReason.UNKNOWN_SOURCE.ordinal());
        assertThat(check(Packets.ipv4Udp("10.5.2.7", "10.5.9.3", 100), Endpoints.of(ip("192.168.1.2"), 9999)))
                .isEqualTo(DropReason.UNKNOWN_SOURCE.ordinal());
    }

    @Test
    void check_innerSourceOfAnotherPeer_dropped() {
        assertThat(check(Packets.ipv4Udp("10.5.3.7", "10.5.9.3", 100), PEER_A)).isEqualTo(DropReason.INNER_SOURCE.ordinal());
        assertThat(check(Packets.ipv4Udp("8.8.8.8", "10.5.9.3", 100), PEER_A)).isEqualTo(DropReason.INNER_SOURCE.ordinal());
    }

    @Test
    void check_innerDestinationOutsideHost_dropped() {
        assertThat(check(Packets.ipv4Udp("10.5.2.7", "10.5.3.3", 100), PEER_A)).isEqualTo(DropReason.INNER_DESTINATION.ordinal());
        assertThat(check(Packets.ipv4Udp("10.5.2.7", "127.0.0.1", 100), PEER_A)).isEqualTo(DropReason.INNER_DESTINATION.ordinal());
    }

    @Test
    void check_badChecksum_malformed() {
        byte[] p = Packets.ipv4Udp("10.5.2.7", "10.5.9.3", 100);
        p[10] ^= 1;
        assertThat(check(p, PEER_A)).isEqualTo(DropReason.MALFORMED.ordinal());
    }

    @Test
    void check_wrongVersion_malformed() {
        byte[] p = Packets.ipv4Udp("10.5.2.7", "10.5.9.3", 100);
        p[0] = 0x65;
        assertThat(check(p, PEER_A)).isEqualTo(DropReason.MALFORMED.ordinal());
    }

    @Test
    void check_ihlTooSmallOrBeyondDatagram_malformed() {
        byte[] p = Packets.ipv4Udp("10.5.2.7", "10.5.9.3", 0);
        p[0] = 0x44;
        assertThat(check(p, PEER_A)).isEqualTo(DropReason.MALFORMED.ordinal());
        byte[] q = Packets.ipv4Udp("10.5.2.7", "10.5.9.3", 0);
        q[0] = 0x4f; // 60-byte header in a 28-byte datagram
        assertThat(check(q, PEER_A)).isEqualTo(DropReason.MALFORMED.ordinal());
    }

    @Test
    void check_totalLengthDiffersFromDatagram_malformed() {
        byte[] p = Packets.ipv4Udp("10.5.2.7", "10.5.9.3", 100);
        byte[] longer = java.util.Arrays.copyOf(p, p.length + 1);
        assertThat(check(longer, PEER_A)).isEqualTo(DropReason.MALFORMED.ordinal());
        byte[] shorter = java.util.Arrays.copyOf(p, p.length - 1);
        assertThat(check(shorter, PEER_A)).isEqualTo(DropReason.MALFORMED.ordinal());
    }

    @Test
    void check_runt_malformed() {
        assertThat(check(new byte[0], PEER_A)).isEqualTo(DropReason.MALFORMED.ordinal());
        assertThat(check(new byte[19], PEER_A)).isEqualTo(DropReason.MALFORMED.ordinal());
    }

    @Test
    void isWellFormedIpv4_headerWithOptions_checksumCoversOptions() {
        ByteBuffer b = ByteBuffer.allocate(24);
        b.put(0, (byte) 0x46).putShort(2, (short) 24).put(8, (byte) 1).put(9, (byte) 1);
        b.putInt(12, ip("10.5.2.1")).putInt(16, ip("10.5.9.1")).putInt(20, 0x01010100);
        b.putShort(10, (short) ~PacketValidator.onesComplementSum(b, 0, 24));
        assertThat(PacketValidator.isWellFormedIpv4(b, 0, 24)).isTrue();
        b.put(21, (byte) 7);
        assertThat(PacketValidator.isWellFormedIpv4(b, 0, 24)).isFalse();
    }
}

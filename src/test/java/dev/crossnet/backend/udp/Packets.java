package dev.crossnet.backend.udp;

import java.nio.ByteBuffer;

/** Builds IPv4/UDP test packets with correct headers. */
final class Packets {
    private Packets() {
    }

    static int ip(String dotted) {
        String[] p = dotted.split("\\.");
        return Integer.parseInt(p[0]) << 24 | Integer.parseInt(p[1]) << 16 | Integer.parseInt(p[2]) << 8 | Integer.parseInt(p[3]);
    }

    /** An IPv4 packet carrying a UDP datagram with {@code payloadLength} bytes of a counting pattern. */
    static byte[] ipv4Udp(String src, String dst, int payloadLength) {
        int total = 20 + 8 + payloadLength;
        ByteBuffer b = ByteBuffer.allocate(total);
        b.put(0, (byte) 0x45);
        b.putShort(2, (short) total);
        b.putShort(4, (short) 0x1234);
        b.put(8, (byte) 64);
        b.put(9, (byte) 17);
        b.putInt(12, ip(src));
        b.putInt(16, ip(dst));
        b.putShort(10, (short) ~PacketValidator.onesComplementSum(b, 0, 20));
        b.putShort(20, (short) 40000);
        b.putShort(22, (short) 5000);
        b.putShort(24, (short) (8 + payloadLength));
        for (int i = 0; i < payloadLength; i++) {
            b.put(28 + i, (byte) i);
        }
        return b.array();
    }
}

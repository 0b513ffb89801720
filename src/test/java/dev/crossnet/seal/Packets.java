package dev.crossnet.seal;

import java.nio.ByteBuffer;

/** Minimal IPv4 packets for tests (protocol 253, "experimental"; checksums are not the point here). */
final class Packets {
    private Packets() {
    }

    static byte[] ipv4(String src, String dst, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(20 + payload.length);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + payload.length)).putInt(0)
                .put((byte) 64).put((byte) 253).putShort((short) 0)
                .putInt(Tunnel.ipv4(src)).putInt(Tunnel.ipv4(dst)).put(payload);
        return b.array();
    }
}

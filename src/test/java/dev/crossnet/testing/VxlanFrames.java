package dev.crossnet.testing;

import java.nio.ByteBuffer;
import java.util.HexFormat;

/** VXLAN datagram payloads (RFC 7348) for tests that inject frames, as an attacker on the underlay could. */
public final class VxlanFrames {
    private VxlanFrames() {
    }

    /**
     * The payload of a UDP datagram to a vxlan port: the 8-byte VXLAN header (flags 0x08: VNI
     * valid) with {@code vni}, then an Ethernet frame from {@code srcMac} to {@code dstMac}
     * carrying {@code ipPacket} (ethertype IPv4).
     */
    public static byte[] vxlan(int vni, String dstMac, String srcMac, byte[] ipPacket) {
        ByteBuffer b = ByteBuffer.allocate(8 + 14 + ipPacket.length); // VXLAN header + Ethernet header + packet
        b.put((byte) 0x08).put(new byte[3]).putInt(vni << 8);
        b.put(mac(dstMac)).put(mac(srcMac)).putShort((short) 0x0800);
        b.put(ipPacket);
        return b.array();
    }

    static byte[] mac(String mac) {
        return HexFormat.ofDelimiter(":").parseHex(mac);
    }
}

package dev.crossnet.testing;

import dev.crossnet.sys.LibC;
import dev.crossnet.udp.Endpoints;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A raw IPv4 socket ({@code IPPROTO_RAW}, so the caller writes the IP header) for sending UDP
 * datagrams with any source address, as an attacker on the underlay could. Test use only; open it
 * inside a test namespace with {@code Netns.run}.
 */
public final class RawIpv4 implements AutoCloseable {
    private final int fd;
    private final ByteBuffer buf = ByteBuffer.allocateDirect(65_536);
    private final ByteBuffer addr = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());

    public RawIpv4() {
        fd = LibC.socket(LibC.AF_INET, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, LibC.IPPROTO_RAW);
        if (fd < 0) {
            throw new IllegalStateException("raw socket: " + LibC.lastError());
        }
    }

    /** Sends {@code payload} in a UDP datagram from {@code source} to {@code dest} (no UDP checksum). */
    public void sendUdp(long source, long dest, byte[] payload) {
        int total = 20 + 8 + payload.length; // IP header + UDP header + payload
        buf.clear();
        buf.put(0, (byte) 0x45).put(1, (byte) 0).putShort(2, (short) total).putShort(4, (short) 0)
                .putShort(6, (short) 0x4000).put(8, (byte) 64).put(9, (byte) LibC.IPPROTO_UDP).putShort(10, (short) 0)
                .putInt(12, Endpoints.ip(source)).putInt(16, Endpoints.ip(dest));
        buf.putShort(20, (short) Endpoints.port(source)).putShort(22, (short) Endpoints.port(dest))
                .putShort(24, (short) (8 + payload.length)).putShort(26, (short) 0);
        buf.put(28, payload);
        addr.putShort(0, (short) LibC.AF_INET).putShort(2, (short) 0).putInt(4, Integer.reverseBytes(Endpoints.ip(dest))).putLong(8, 0);
        long r = LibC.sendto(fd, LibC.address(buf), total, 0, LibC.address(addr), 16);
        if (r != total) {
            throw new IllegalStateException("raw sendto: " + LibC.lastError());
        }
    }

    /** An IPv4/UDP packet with a correct header checksum and no UDP checksum. */
    public static byte[] udpPacket(long source, long dest, byte[] payload) {
        int total = 20 + 8 + payload.length; // IP header + UDP header + payload
        ByteBuffer b = ByteBuffer.allocate(total);
        b.put(0, (byte) 0x45).putShort(2, (short) total).put(8, (byte) 64).put(9, (byte) LibC.IPPROTO_UDP)
                .putInt(12, Endpoints.ip(source)).putInt(16, Endpoints.ip(dest));
        long sum = 0;
        for (int i = 0; i < 20; i += 2) {
            sum += b.getShort(i) & 0xffff;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        b.putShort(10, (short) ~sum);
        b.putShort(20, (short) Endpoints.port(source)).putShort(22, (short) Endpoints.port(dest)).putShort(24, (short) (8 + payload.length));
        b.put(28, payload);
        return b.array();
    }

    @Override
    public void close() {
        LibC.close(fd);
    }
}

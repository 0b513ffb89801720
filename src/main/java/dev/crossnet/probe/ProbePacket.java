package dev.crossnet.probe;

import java.nio.ByteBuffer;

/**
 * The probe's datagram, 24 bytes, big-endian:
 * <pre>
 *   0  magic "CNPB" (4)   4  kind: 1 echo, 2 answer (1)   5  zero (3)
 *   8  sequence number (8)                                16  the sender's send time, opaque to the peer (8)
 * </pre>
 * An answer repeats the echo's sequence and time; only the kind changes. Immutable.
 */
public record ProbePacket(Kind kind, long seq, long stamp) {
    /** The length of every probe datagram: 4 magic + 1 kind + 3 zero + 8 seq + 8 stamp. */
    public static final int LENGTH = 24;
    private static final int MAGIC = 0x434E5042; // "CNPB"

    /** Echo (asks for an answer) or answer. */
    public enum Kind {
        ECHO(1), ANSWER(2);

        private final byte code;

        Kind(int code) {
            this.code = (byte) code;
        }
    }

    /** The answer to this echo. */
    public ProbePacket answer() {
        return new ProbePacket(Kind.ANSWER, seq, stamp);
    }

    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(LENGTH);
        encodeTo(b);
        return b.array();
    }

    /** Puts the {@link #LENGTH} bytes of this packet into {@code b} at its position, which moves past them. */
    public void encodeTo(ByteBuffer b) {
        b.putInt(MAGIC).put(kind.code).put((byte) 0).putShort((short) 0).putLong(seq).putLong(stamp);
    }

    /** The packet in {@code data[0..length)}, or null when it is not exactly a probe datagram. */
    public static ProbePacket decode(byte[] data, int length) {
        if (length != LENGTH || data.length < LENGTH) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(data, 0, LENGTH);
        if (b.getInt() != MAGIC) {
            return null;
        }
        byte code = b.get();
        if (b.get() != 0 || b.getShort() != 0) {
            return null;
        }
        Kind kind = code == Kind.ECHO.code ? Kind.ECHO : code == Kind.ANSWER.code ? Kind.ANSWER : null;
        return kind == null ? null : new ProbePacket(kind, b.getLong(), b.getLong());
    }
}

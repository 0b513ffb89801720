package dev.crossnet.seal;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.NoSuchPaddingException;
import javax.crypto.spec.GCMParameterSpec;

/**
 * One thread's AES-256-GCM engine for transport messages, sealing and opening in place. Not
 * thread-safe: each datapath thread owns one ({@code Cipher} objects are not shareable).
 *
 * <p>In place: {@link #seal} reads the inner packet at {@code off + 16} and leaves header,
 * ciphertext and tag at {@code off}; {@link #open} leaves the inner packet at {@code off + 16}.
 * This class allocates nothing per packet once it has seen the buffer; the JDK's
 * {@code Cipher.init} still creates a parameter spec and a few small objects per call (measured
 * in {@code docs/benchmarks.md}).
 */
public final class PacketCipher {
    private final Cipher cipher;
    private ByteBuffer buffer;
    private ByteBuffer aad;
    private ByteBuffer in;
    private ByteBuffer out;
    private final byte[] iv = new byte[12];
    /** The peer of the last packet {@link Tunnels#open} accepted on this thread, or null. */
    Tunnel peer;

    public PacketCipher() {
        try {
            cipher = Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no AES/GCM/NoPadding", e);
        }
    }

    /**
     * Writes the transport header for {@code counter} and encrypts {@code length} bytes at
     * {@code off + 16}, appending the tag. The buffer needs {@code off + 32 + length} bytes.
     *
     * @return the datagram length, {@code 32 + length}
     */
    int seal(Session s, long counter, ByteBuffer buf, int off, int length) {
        buf.put(off, (byte) Wire.TYPE_TRANSPORT);
        buf.put(off + 1, (byte) 0);
        buf.putShort(off + 2, (short) 0);
        buf.putInt(off + Wire.TRANSPORT_RECEIVER_OFFSET, s.remoteIndex);
        buf.putLong(off + Wire.TRANSPORT_COUNTER_OFFSET, counter);
        views(buf);
        try {
            cipher.init(Cipher.ENCRYPT_MODE, s.sendKey, spec(counter));
            aad.limit(off + Wire.TRANSPORT_HEADER).position(off);
            cipher.updateAAD(aad);
            in.limit(off + Wire.TRANSPORT_HEADER + length).position(off + Wire.TRANSPORT_HEADER);
            out.limit(off + Wire.TRANSPORT_OVERHEAD + length).position(off + Wire.TRANSPORT_HEADER);
            return Wire.TRANSPORT_HEADER + cipher.doFinal(in, out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM seal failed", e);
        }
    }

    /**
     * Decrypts the transport message of {@code length} bytes at {@code off} in place.
     *
     * @return false when the tag does not verify (the buffer's bytes are then unspecified)
     */
    boolean open(Session s, ByteBuffer buf, int off, int length) {
        long counter = buf.getLong(off + Wire.TRANSPORT_COUNTER_OFFSET);
        views(buf);
        try {
            cipher.init(Cipher.DECRYPT_MODE, s.receiveKey, spec(counter));
            aad.limit(off + Wire.TRANSPORT_HEADER).position(off);
            cipher.updateAAD(aad);
            in.limit(off + length).position(off + Wire.TRANSPORT_HEADER);
            out.limit(off + length).position(off + Wire.TRANSPORT_HEADER);
            cipher.doFinal(in, out);
            return true;
        } catch (AEADBadTagException e) {
            return false;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM open failed", e);
        }
    }

    /** The peer of the last packet {@link Tunnels#open} accepted with this cipher, or null after a drop. */
    public Tunnel peer() {
        return peer;
    }

    private GCMParameterSpec spec(long counter) {
        for (int i = 0; i < 8; i++) {
            iv[4 + i] = (byte) (counter >>> (56 - 8 * i));
        }
        return new GCMParameterSpec(Wire.TAG * 8, iv);
    }

    private void views(ByteBuffer buf) {
        if (buf != buffer) {
            buffer = buf;
            aad = buf.duplicate().clear();
            in = buf.duplicate().clear();
            out = buf.duplicate().clear();
        }
    }
}

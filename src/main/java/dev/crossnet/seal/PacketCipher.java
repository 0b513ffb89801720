package dev.crossnet.seal;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;

/**
 * One thread's AES-256-GCM engine for transport messages, sealing and opening in place. Not
 * thread-safe: each datapath thread owns one ({@code Cipher} objects are not shareable).
 *
 * <p>In place: {@link #seal} reads the inner packet at {@code off + 16} and leaves header,
 * ciphertext and tag at {@code off}; {@link #open} leaves the inner packet at {@code off + 16}.
 *
 * <p>The cipher works on a heap array of this object's ({@link #work}), never on the caller's
 * (direct) buffer: the message is copied in, sealed or opened in place there, and copied back.
 * JDK 17's GCM stages direct buffers through heap arrays of its own, allocating about 3.1 KB per
 * packet against 1.0 KB on heap arrays, and runs 15-30 % slower per CPU-second; the two 1.4 KB
 * copies cost less than that (docs/benchmarks.md, "Sealed transport"). An {@link #open} whose tag
 * does not verify copies nothing back: the caller's buffer keeps the ciphertext. Allocation per
 * packet: only what the JDK's {@code Cipher.init} and {@code doFinal} make (the parameter spec and
 * its GCM engine), about 1 KB.
 */
public final class PacketCipher {
    private static final int INITIAL_WORK = 2048; // a 1500-byte MTU's datagram; grows once for super-packets
    private final Cipher cipher;
    private final byte[] iv = new byte[12];
    private byte[] work = new byte[INITIAL_WORK];
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
        byte[] w = work(Wire.TRANSPORT_OVERHEAD + length);
        buf.get(off, w, 0, Wire.TRANSPORT_HEADER + length);
        try {
            cipher.init(Cipher.ENCRYPT_MODE, s.sendKey, spec(counter));
            cipher.updateAAD(w, 0, Wire.TRANSPORT_HEADER);
            int n = cipher.doFinal(w, Wire.TRANSPORT_HEADER, length, w, Wire.TRANSPORT_HEADER);
            buf.put(off + Wire.TRANSPORT_HEADER, w, Wire.TRANSPORT_HEADER, n);
            return Wire.TRANSPORT_HEADER + n;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM seal failed", e);
        }
    }

    /**
     * Decrypts the transport message of {@code length} bytes at {@code off} in place.
     *
     * @return false when the tag does not verify (the buffer is then left as it was)
     */
    boolean open(Session s, ByteBuffer buf, int off, int length) {
        long counter = buf.getLong(off + Wire.TRANSPORT_COUNTER_OFFSET);
        byte[] w = work(length);
        buf.get(off, w, 0, length);
        try {
            cipher.init(Cipher.DECRYPT_MODE, s.receiveKey, spec(counter));
            cipher.updateAAD(w, 0, Wire.TRANSPORT_HEADER);
            int n = cipher.doFinal(w, Wire.TRANSPORT_HEADER, length - Wire.TRANSPORT_HEADER, w, Wire.TRANSPORT_HEADER);
            buf.put(off + Wire.TRANSPORT_HEADER, w, Wire.TRANSPORT_HEADER, n);
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

    private byte[] work(int need) {
        if (work.length < need) {
            work = new byte[Math.max(need, 2 * work.length)];
        }
        return work;
    }

    private GCMParameterSpec spec(long counter) {
        for (int i = 0; i < 8; i++) {
            iv[4 + i] = (byte) (counter >>> (56 - 8 * i));
        }
        return new GCMParameterSpec(Wire.TAG * 8, iv);
    }

    /**
     * Seals and opens {@code packets} packets of {@code size} bytes in a direct buffer under a
     * throw-away random key, so that the JIT compiles the JDK's GCM path (and its intrinsics)
     * before real traffic needs it: interpreted, GHASH runs in Java at a few percent of its compiled
     * speed, and on a busy machine the compiler can take tens of seconds to catch up under load
     * (docs/benchmarks.md, "The encrypted udp datapath in the lab"). Blocking, CPU-bound; call on
     * a thread of its own. Touches no session, counter or key of any tunnel.
     *
     * @throws IllegalStateException if a packet it sealed does not open (a broken JCE)
     */
    public static void warmUp(int packets, int size) {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Session s = new Session(null, 0, 0, key, key, 0, true, Long.MAX_VALUE);
        PacketCipher sealer = new PacketCipher();
        PacketCipher opener = new PacketCipher();
        ByteBuffer buf = ByteBuffer.allocateDirect(size + Wire.TRANSPORT_OVERHEAD);
        for (int i = 0; i < packets; i++) {
            int n = sealer.seal(s, i, buf, 0, size);
            if (!opener.open(s, buf, 0, n)) {
                throw new IllegalStateException("AES-GCM warm-up: a packet sealed here did not open");
            }
        }
    }
}

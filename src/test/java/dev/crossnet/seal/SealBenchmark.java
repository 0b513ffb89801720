package dev.crossnet.seal;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Locale;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seal/open throughput of the transport path on one thread, 1400-byte inner packets in direct
 * buffers (the datapath's), against bare JCE AES-256-GCM on the same bytes in direct buffers and
 * in place on a heap array (what {@link PacketCipher} does after copying the packet in). Also the heap bytes
 * allocated per packet (JDK internals of {@code Cipher.init}; our code allocates none). Prints,
 * never asserts. Not a test: run it by hand (docs/benchmarks.md has the command).
 *
 * <p>Arguments: seconds per measurement (default 5), inner packet size (default 1400).
 */
public final class SealBenchmark {
    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 5;
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 1400;
        SealedHosts h = new SealedHosts(Limits.DEFAULT);
        h.connect();
        ByteBuffer tx = ByteBuffer.allocateDirect(size + Wire.TRANSPORT_OVERHEAD);
        ByteBuffer rx = ByteBuffer.allocateDirect(size + Wire.TRANSPORT_OVERHEAD);
        byte[] inner = Packets.ipv4("10.5.1.2", "10.5.2.2", new byte[size - 20]);
        System.out.printf(Locale.ROOT, "seal/open, %d-byte inner packets, one thread, %s%n", size, System.getProperty("java.vm.version"));
        for (int round = 0; round < 3; round++) {
            report("seal", size, seconds, () -> {
                tx.put(Wire.TRANSPORT_HEADER, inner);
                if (h.a.seal(h.aCipher, h.aToB, tx, 0, size) < 0) {
                    throw new IllegalStateException("seal refused");
                }
            });
            report("seal+open", size, seconds, () -> {
                tx.put(Wire.TRANSPORT_HEADER, inner);
                int n = h.a.seal(h.aCipher, h.aToB, tx, 0, size);
                rx.put(0, tx, 0, n);
                if (h.b.open(h.bCipher, rx, 0, n) != size) {
                    throw new IllegalStateException("open refused");
                }
            });
            Cipher jce = Cipher.getInstance("AES/GCM/NoPadding");
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            SecretKeySpec k = new SecretKeySpec(key, "AES");
            byte[] iv = new byte[12];
            ByteBuffer in = tx.duplicate();
            ByteBuffer out = rx.duplicate();
            long[] counter = {0};
            report("bare JCE, direct", size, seconds, () -> {
                long c = counter[0]++;
                for (int i = 0; i < 8; i++) {
                    iv[4 + i] = (byte) (c >>> (56 - 8 * i));
                }
                jce.init(Cipher.ENCRYPT_MODE, k, new GCMParameterSpec(128, iv));
                in.clear().limit(size);
                out.clear();
                jce.doFinal(in, out);
            });
            byte[] heap = new byte[size + Wire.TRANSPORT_OVERHEAD];
            report("bare JCE, heap", size, seconds, () -> {
                long c = counter[0]++;
                for (int i = 0; i < 8; i++) {
                    iv[4 + i] = (byte) (c >>> (56 - 8 * i));
                }
                jce.init(Cipher.ENCRYPT_MODE, k, new GCMParameterSpec(128, iv));
                jce.doFinal(heap, 0, size, heap, 0);
            });
        }
    }

    interface Op {
        void run() throws Exception;
    }

    private static void report(String name, int size, double seconds, Op op) throws Exception {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        long n = 0;
        long allocBefore = mx.getThreadAllocatedBytes(tid);
        long cpuBefore = mx.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < 1000; i++) {
                op.run();
            }
            n += 1000;
        }
        long wall = System.nanoTime() - t0;
        long cpu = mx.getCurrentThreadCpuTime() - cpuBefore;
        long alloc = mx.getThreadAllocatedBytes(tid) - allocBefore;
        System.out.printf(Locale.ROOT, "%-17s %8.0f kpkt/s  %6.2f Gbit/s of inner packets per CPU-second  %6.2f wall  %5.0f B allocated/pkt%n",
                name, n / (cpu / 1e9) / 1e3, n * size * 8.0 / cpu, n * size * 8.0 / wall, (double) alloc / n);
    }
}

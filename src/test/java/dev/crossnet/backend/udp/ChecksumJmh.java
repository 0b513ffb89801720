package dev.crossnet.backend.udp;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * JMH microbenchmark of the udp datapath's checksum loops, the figures behind {@link Checksum}'s
 * javadoc and the "udp backend" section of docs/benchmarks.md. Not a test: it prints, never
 * asserts, and compiles only with {@code -Pjmh} (the command is in docs/benchmarks.md).
 *
 * <p>Every method works on a warm buffer of {@code size} bytes (64 KiB: one TUN super-packet;
 * 1448: one TCP segment's payload) and is reported in GB/s of bytes summed (or copied and summed):
 * <ul>
 *   <li>{@code sumUnsafe}: {@link Checksum#sum} on a direct buffer, the datapath's path
 *       ({@code NativeMemory.sum}: two 32-bit-halves accumulators, native order);
 *   <li>{@code sumByteBufferDirect} / {@code sumByteBufferHeap}: the {@code ByteBuffer.getLong}
 *       loop ({@link Checksum#sumChecked}) on a direct and on a heap buffer;
 *   <li>{@code sumUnsafeEndAroundCarry}: the 64-bit end-around-carry {@code Unsafe} loop of commit
 *       7212c59, since dropped, kept here so that comparison can be re-run;
 *   <li>{@code copyAndSum}: {@link Checksum#copyAndSum} direct to direct, one pass;
 *   <li>{@code copyThenSum}: {@code ByteBuffer.put} then {@link Checksum#sum}, two passes;
 *   <li>{@code copyThenSumByteBuffer}: {@code ByteBuffer.put} then the {@code getLong} loop, what the
 *       sending side did before {@code copyAndSum}.
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ChecksumJmh {

    @Param({"65536", "1448"})
    public int size;

    private ByteBuffer direct;
    private ByteBuffer directDst;
    private ByteBuffer heap;
    private long address;

    @Setup
    public void setUp() {
        byte[] bytes = new byte[size];
        new Random(5).nextBytes(bytes);
        direct = ByteBuffer.allocateDirect(size).put(0, bytes);
        directDst = ByteBuffer.allocateDirect(size);
        heap = ByteBuffer.wrap(bytes.clone());
        address = NativeMemory.AVAILABLE ? NativeMemory.address(direct) : 0;
        if (!NativeMemory.AVAILABLE) {
            throw new IllegalStateException("sun.misc.Unsafe is not available: the Unsafe rows would measure the fallback");
        }
        int expect = Checksum.fold(Checksum.sumChecked(direct, 0, size, 0));
        if (Checksum.fold(Checksum.sum(direct, 0, size, 0)) != expect || Checksum.fold(endAroundCarry(address, size)) != expect) {
            throw new IllegalStateException("the variants disagree: the benchmark would compare different work");
        }
    }

    @Benchmark
    public long sumUnsafe() {
        return Checksum.sum(direct, 0, size, 0);
    }

    @Benchmark
    public long sumByteBufferDirect() {
        return Checksum.sumChecked(direct, 0, size, 0);
    }

    @Benchmark
    public long sumByteBufferHeap() {
        return Checksum.sum(heap, 0, size, 0);
    }

    @Benchmark
    public long sumUnsafeEndAroundCarry() {
        return endAroundCarry(address, size);
    }

    @Benchmark
    public long copyAndSum() {
        return Checksum.copyAndSum(direct, 0, directDst, 0, size, 0);
    }

    @Benchmark
    public long copyThenSum() {
        directDst.put(0, direct, 0, size);
        return Checksum.sum(directDst, 0, size, 0);
    }

    @Benchmark
    public long copyThenSumByteBuffer() {
        directDst.put(0, direct, 0, size);
        return Checksum.sumChecked(directDst, 0, size, 0);
    }

    /**
     * Commit 7212c59's loop: native 64-bit words added with end-around carry, the tail gathered
     * byte by byte; returns the network-order sum as {@link Checksum#sum} does.
     */
    static long endAroundCarry(long at, int len) {
        sun.misc.Unsafe u = unsafe();
        long acc = 0;
        int i = 0;
        for (; i + 8 <= len; i += 8) {
            long v = u.getLong(at + i);
            acc += v;
            if (Long.compareUnsigned(acc, v) < 0) {
                acc++; // end-around carry
            }
        }
        long tail = 0;
        for (int k = 0; i + k < len; k++) {
            tail |= (u.getByte(at + i + k) & 0xffL) << (8 * k);
        }
        acc += tail;
        if (Long.compareUnsigned(acc, tail) < 0) {
            acc++;
        }
        int le = Checksum.fold((acc >>> 32) + (acc & 0xffffffffL));
        return ((le >>> 8) | (le << 8)) & 0xffff;
    }

    private static final sun.misc.Unsafe UNSAFE = loadUnsafe();

    private static sun.misc.Unsafe unsafe() {
        return UNSAFE;
    }

    private static sun.misc.Unsafe loadUnsafe() {
        try {
            var f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return (sun.misc.Unsafe) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Runs the benchmarks (JMH command-line options pass through, e.g. {@code -f 1 -wi 3 -i 5
     * -p size=65536}) and prints GB/s per method and size, with the load average around the run.
     */
    public static void main(String[] args) throws Exception {
        String before = loadAverage();
        Collection<RunResult> results = new Runner(new OptionsBuilder().parent(new CommandLineOptions(args))
                .include(ChecksumJmh.class.getName() + ".").build()).run();
        System.out.printf("%nload average before: %s, after: %s; %d CPUs%n", before, loadAverage(),
                Runtime.getRuntime().availableProcessors());
        System.out.println("| method | size B | GB/s | ± (99.9 %) |");
        System.out.println("|---|---|---|---|");
        for (RunResult r : results) {
            int bytes = Integer.parseInt(r.getParams().getParam("size"));
            String name = r.getParams().getBenchmark();
            double opsPerSecond = r.getPrimaryResult().getScore();
            double error = r.getPrimaryResult().getScoreError();
            System.out.printf(Locale.ROOT, "| %s | %d | %.2f | %.2f |%n", name.substring(name.lastIndexOf('.') + 1), bytes,
                    opsPerSecond * bytes / 1e9, Double.isNaN(error) ? 0 : error * bytes / 1e9);
        }
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}

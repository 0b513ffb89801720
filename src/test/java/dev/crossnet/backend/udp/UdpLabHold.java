package dev.crossnet.backend.udp;

/**
 * Holds a {@link TwoHostLab} with the udp backend up for a while, for profiling by hand (not a
 * test). It prints the two namespaces and its pid, then sleeps; closing removes everything.
 * <pre>
 *   java -cp target/classes:target/test-classes:$(cat target/cp.txt) \
 *       -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit \
 *       dev.crossnet.backend.udp.UdpLabHold SECONDS [BATCH]
 *   # prints: LAB &lt;ns-a&gt; &lt;ns-b&gt; pid &lt;pid&gt;
 *   nsenter --net=/var/run/netns/&lt;ns-b&gt; iperf3 -s -1 -B 10.5.2.0 &amp;
 *   nsenter --net=/var/run/netns/&lt;ns-a&gt; iperf3 -c 10.5.2.0 -t 12 &amp;
 *   perf record -a -g -- sleep 5; perf report --no-children --sort comm,dso
 * </pre>
 * {@code DumpPerfMapAtExit} writes {@code /tmp/perf-PID.map}, which names the JIT-compiled
 * methods in {@code perf report}.
 */
public final class UdpLabHold {

    private UdpLabHold() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = Integer.parseInt(args[0]);
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : UdpBackend.DEFAULT_BATCH;
        try (TwoHostLab lab = TwoHostLab.start(batch)) {
            System.out.println("LAB " + lab.a + " " + lab.b + " pid " + ProcessHandle.current().pid());
            Thread.sleep(seconds * 1000L);
        }
    }
}

package dev.crossnet;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line that runs crossnet's {@code Main} the way this JVM runs: same java, same class
 * path (made absolute, since the child may start elsewhere), and crossnet's usual JVM flags ({@code
 * CROSSNET_JAVA_OPTS} overrides them, as in {@code bin/crossnet}). How the lab starts its agents and
 * etcd helpers, and how a host without systemd starts its services. Stateless; thread-safe.
 *
 * <p>The agent's flags ({@link #agentArgv}) are the ones {@code bin/crossnet agent} uses (so the .deb's
 * systemd unit), and the lab's agents of kernel backends: every way an agent is started runs it alike.
 */
public final class SelfCommand {
    /** Start-up flags for one-shot commands and short-lived services: C1 only, serial GC, no perf data. */
    public static final String JVM_OPTS = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -XX:-UsePerfData";

    /**
     * The agent's flags (kernel backends), as in {@code bin/crossnet agent}: C1 only (C2 costs ~25 MiB and
     * seconds of CPU compiling what a resync runs), a heap that starts at 8 MiB with a 4 MiB young
     * generation, an old generation resized at each full collection to leave 20-40 % of it free (it
     * shrinks back after a burst), and the C heap handed back to the kernel every 5 s where this JVM
     * knows the flag (JDK 17 got it in an update). docs/benchmarks.md, "One agent, 1000 peers".
     *
     * <p>C1's compile thresholds are the default: three times them ({@code CompileThresholdScaling=3})
     * saved ~1.8 MiB of JIT code with 1000 peers but left the code a new Docker network runs once
     * interpreted, and the network reached another host's dockerd ~20 ms later (median 0.092-0.115 s
     * against 0.076-0.091 s; docs/benchmarks.md).
     */
    public static final String AGENT_JVM_OPTS = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xms8m -Xmn4m -Xmx128m"
            + " -XX:MinHeapFreeRatio=20 -XX:MaxHeapFreeRatio=40 -Xss512k -XX:-UsePerfData"
            + (knows("TrimNativeHeapInterval") ? " -XX:TrimNativeHeapInterval=5000" : "");

    private SelfCommand() {
    }

    /** {@code java AGENT_JVM_OPTS -cp … dev.crossnet.cli.Main agent}; append the agent's flags. */
    public static List<String> agentArgv() {
        List<String> argv = argv(AGENT_JVM_OPTS);
        argv.add("agent");
        return argv;
    }

    /** Whether this JVM (the one a child runs: same java) has the -XX option {@code name}. */
    private static boolean knows(String name) {
        try {
            ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).getVMOption(name);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** {@code java JVM_OPTS -cp … dev.crossnet.cli.Main}; append the subcommand and its arguments. */
    public static List<String> argv() {
        return argv(JVM_OPTS);
    }

    /** {@link #argv()} with {@code jvmOpts} instead of the usual flags (still overridden by {@code CROSSNET_JAVA_OPTS}). */
    public static List<String> argv(String jvmOpts) {
        List<String> argv = new ArrayList<>();
        argv.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String o : System.getenv().getOrDefault("CROSSNET_JAVA_OPTS", jvmOpts).trim().split("\\s+")) {
            if (!o.isEmpty()) {
                argv.add(o);
            }
        }
        List<String> cp = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!e.isEmpty()) {
                cp.add(Path.of(e).toAbsolutePath().toString());
            }
        }
        argv.add("-cp");
        argv.add(String.join(File.pathSeparator, cp));
        argv.add("dev.crossnet.cli.Main");
        return argv;
    }
}

package dev.crossnet;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line that runs crossnet's {@code Main} the way this JVM runs: same java, same class
 * path (made absolute, since the child may start elsewhere), and crossnet's usual JVM flags ({@code
 * CROSSNET_JAVA_OPTS} overrides them, as in {@code bin/crossnet}). How the lab starts its agents and
 * etcd helpers, and how a host without systemd starts its services. Stateless; thread-safe.
 */
public final class SelfCommand {
    /** Start-up flags for one-shot commands and short-lived services: C1 only, serial GC, no perf data. */
    public static final String JVM_OPTS = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -XX:-UsePerfData";

    private SelfCommand() {
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

package dev.crossnet.cluster;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line that runs crossnet's {@code Main} as this JVM does: same java, same class path. */
final class SelfCommand {
    static final String JVM_OPTS = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -XX:-UsePerfData";

    private SelfCommand() {
    }

    static List<String> argv() {
        List<String> argv = new ArrayList<>();
        argv.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String o : System.getenv().getOrDefault("CROSSNET_JAVA_OPTS", JVM_OPTS).trim().split("\\s+")) {
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

package dev.crossnet.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Calls a CNI plugin as a runtime does: the {@code CNI_*} variables in its environment, the
 * network config on stdin, the result or error read from stdout, run inside the "host" network
 * namespace {@code hostNs} (where the bridge goes) with {@code nsenter}. By default the plugin is
 * the launcher {@code mvn package} built, {@code target/cni/crossnet}.
 */
final class CniHarness {
    static final Path PLUGIN = Path.of("target/cni/crossnet").toAbsolutePath();
    /** Where Debian's containernetworking-plugins puts bridge and host-local. */
    static final String DEBIAN_CNI_PATH = "/usr/lib/cni";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String hostNs;
    private final List<String> plugin;
    private final String cniPath;
    private final Map<String, String> extraEnv;

    CniHarness(String hostNs) {
        this(hostNs, List.of(PLUGIN.toString()), DEBIAN_CNI_PATH, Map.of());
    }

    /**
     * @param plugin   the plugin's command line, e.g. {@code [/usr/lib/cni/bridge]}
     * @param extraEnv more variables for the plugin's environment besides the CNI ones
     */
    CniHarness(String hostNs, List<String> plugin, String cniPath, Map<String, String> extraEnv) {
        this.hostNs = hostNs;
        this.plugin = List.copyOf(plugin);
        this.cniPath = cniPath;
        this.extraEnv = Map.copyOf(extraEnv);
    }

    /** What the plugin did: exit status, stdout (the result or the error JSON), stderr. */
    record Call(int exit, String stdout, String stderr) {
        JsonNode json() {
            try {
                return JSON.readTree(stdout);
            } catch (IOException e) {
                throw new AssertionError("stdout is not JSON: " + stdout + " (stderr: " + stderr + ")", e);
            }
        }

        @Override
        public String toString() {
            return "exit " + exit + ", stdout: " + stdout + ", stderr: " + stderr;
        }
    }

    Call call(String command, String containerId, String netnsPath, String ifname, String conf) {
        return call(Map.of("CNI_COMMAND", command, "CNI_CONTAINERID", containerId, "CNI_NETNS", netnsPath,
                "CNI_IFNAME", ifname, "CNI_PATH", cniPath), conf);
    }

    /** Runs the plugin with exactly {@code cniVars} (and PATH) in its environment. */
    Call call(Map<String, String> cniVars, String conf) {
        try {
            List<String> argv = new java.util.ArrayList<>(List.of("nsenter", "--net=/var/run/netns/" + hostNs));
            argv.addAll(plugin);
            ProcessBuilder pb = new ProcessBuilder(argv);
            Path err = Files.createTempFile("cni", ".err");
            pb.redirectError(err.toFile());
            Map<String, String> env = pb.environment();
            env.keySet().removeIf(k -> k.startsWith("CNI_"));
            env.putAll(extraEnv);
            env.putAll(cniVars);
            Process p = pb.start();
            try (OutputStream in = p.getOutputStream()) {
                in.write(conf.getBytes(StandardCharsets.UTF_8));
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("the plugin did not exit within 120 s");
            }
            String stderr = Files.readString(err);
            Files.delete(err);
            return new Call(p.exitValue(), out, stderr);
        } catch (IOException e) {
            throw new AssertionError("cannot run " + plugin + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}

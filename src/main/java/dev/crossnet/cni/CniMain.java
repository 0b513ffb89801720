package dev.crossnet.cni;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * The {@code crossnet} CNI plugin's entry point, run by {@code target/cni/crossnet} (installed as
 * {@code /usr/lib/cni/crossnet}): CNI variables in the environment, the network config on stdin,
 * the result or the error result on stdout, exit 0 or 1. Kept apart from the {@code crossnet} CLI
 * so that a call loads neither picocli nor a logging framework: the runtime waits for every ADD.
 */
public final class CniMain {
    private CniMain() {
    }

    public static void main(String[] args) {
        System.exit(run(System.getenv(), readStdin(), System.out));
    }

    /** One call: prints to {@code out} and returns the exit status. */
    static int run(java.util.Map<String, String> environment, byte[] stdin, PrintStream out) {
        String version = versionOf(stdin, "1.0.0");
        try {
            CniEnv env = CniEnv.parse(environment);
            JsonNode result = new CniPlugin(new ExecPlugins()).run(env, stdin);
            if (result != null) {
                out.println(Json.write(result, true));
            }
            out.flush();
            return 0;
        } catch (CniError e) {
            print(out, e, version);
            return 1;
        } catch (RuntimeException e) {
            print(out, new CniError(CniError.IO_FAILURE, "crossnet: " + e, ""), version);
            return 1;
        }
    }

    /** The config's cniVersion for the error result, when it has a usable one. */
    private static String versionOf(byte[] stdin, String dflt) {
        try {
            JsonNode n = Json.read(stdin);
            String v = n == null ? "" : n.path("cniVersion").asText("");
            return NetConf.SUPPORTED_VERSIONS.contains(v) ? v : dflt;
        } catch (IOException | RuntimeException e) {
            return dflt;
        }
    }

    private static void print(PrintStream out, CniError e, String version) {
        try {
            out.println(Json.write(e.toJson(version), true));
        } catch (RuntimeException io) {
            out.println("{\"cniVersion\":\"" + version + "\",\"code\":" + e.code() + ",\"msg\":\"crossnet: error\"}");
        }
        out.flush();
    }

    private static byte[] readStdin() {
        try {
            return System.in.readAllBytes();
        } catch (IOException e) {
            return ("(cannot read stdin: " + e.getMessage() + ")").getBytes(StandardCharsets.UTF_8);
        }
    }
}

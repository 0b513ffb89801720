package dev.crossnet.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Runs delegated plugins as a runtime does: the executable named after the plugin's type in the
 * first {@code CNI_PATH} directory that has one, the CNI variables in its environment (the rest
 * of this process's environment too), the config on stdin; stderr goes to ours. Thread-safe.
 */
public final class ExecPlugins implements Plugins {
    public ExecPlugins() {
    }

    @Override
    public JsonNode run(String type, CniEnv.Command command, CniEnv env, ObjectNode conf) throws CniError {
        Path exe = find(type, env);
        ProcessBuilder pb = new ProcessBuilder(exe.toString()).redirectError(ProcessBuilder.Redirect.INHERIT);
        Map<String, String> e = pb.environment();
        e.put("CNI_COMMAND", command.name());
        e.put("CNI_CONTAINERID", env.containerId());
        e.put("CNI_NETNS", env.netns());
        e.put("CNI_IFNAME", env.ifname());
        e.put("CNI_PATH", String.join(":", env.path()));
        e.put("CNI_ARGS", env.args());
        byte[] out;
        int exit;
        try {
            Process p = pb.start();
            try (OutputStream in = p.getOutputStream()) {
                in.write(Json.write(conf, false).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // the plugin exited without reading its config: its exit status and output say why
            }
            try (InputStream stdout = p.getInputStream()) {
                out = stdout.readAllBytes();
            }
            exit = p.waitFor();
        } catch (IOException e2) {
            throw new CniError(CniError.IO_FAILURE, "cannot run " + exe + ": " + e2.getMessage());
        } catch (InterruptedException e2) {
            Thread.currentThread().interrupt();
            throw new CniError(CniError.IO_FAILURE, "interrupted while " + exe + " ran");
        }
        JsonNode result = parse(out);
        if (exit != 0) {
            if (result != null && result.has("code") && result.has("msg")) {
                throw new CniError(result.get("code").asInt(CniError.DELEGATE_FAILED), type + ": " + result.get("msg").asText(),
                        result.path("details").asText(""));
            }
            throw new CniError(CniError.DELEGATE_FAILED, type + " " + command + " exited " + exit,
                    new String(out, java.nio.charset.StandardCharsets.UTF_8).strip());
        }
        if (out.length > 0 && result == null) {
            throw new CniError(CniError.DELEGATE_FAILED, type + " " + command + " printed a result that is not JSON",
                    new String(out, java.nio.charset.StandardCharsets.UTF_8).strip());
        }
        return result;
    }

    private static JsonNode parse(byte[] out) {
        if (out.length == 0) {
            return null;
        }
        try {
            JsonNode n = Json.read(out);
            return n != null && n.isObject() ? n : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** The executable for {@code type} in {@code CNI_PATH}, in order. */
    static Path find(String type, CniEnv env) throws CniError {
        if (type.isEmpty() || type.contains("/")) {
            throw new CniError(CniError.INVALID_CONFIG, "delegate.type \"" + type + "\" is not a plugin name");
        }
        for (String dir : env.path()) {
            Path p = Path.of(dir, type);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        throw new CniError(CniError.INVALID_ENVIRONMENT, "CNI_PATH has no plugin \"" + type + "\" (searched "
                + String.join(":", env.path()) + ")", "Debian's containernetworking-plugins installs bridge and host-local in /usr/lib/cni");
    }
}

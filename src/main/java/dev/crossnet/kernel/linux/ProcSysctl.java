package dev.crossnet.kernel.linux;

import dev.crossnet.CrossnetException;
import dev.crossnet.kernel.Sysctl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * {@link Sysctl} through {@code /proc/sys}. {@code /proc/sys/net} shows the namespace of the process
 * that opens it, so for another namespace the file is read and written by {@code cat} / {@code tee}
 * under {@code nsenter}. Thread-safe.
 */
final class ProcSysctl implements Sysctl {

    private static final Pattern KEY = Pattern.compile("[a-z0-9_]+(/[a-z0-9_.-]+)+");

    private final Commands commands;

    ProcSysctl(Commands commands) {
        this.commands = commands;
    }

    @Override
    public String read(String key) {
        Path p = path(key);
        if (commands.namespace() == null) {
            try {
                return Files.readString(p).trim();
            } catch (IOException e) {
                throw new CrossnetException("cannot read " + p + ": " + e.getMessage(), e);
            }
        }
        Commands.Result r = commands.tool(null, "cat", p.toString());
        if (r.exitCode() != 0) {
            throw new CrossnetException("cannot read " + p + " in namespace " + commands.namespace() + ": "
                    + r.stderr().trim());
        }
        return r.stdout().trim();
    }

    @Override
    public void ensure(String key, String value) {
        if (read(key).equals(value)) {
            return;
        }
        Path p = path(key);
        if (commands.namespace() == null) {
            try {
                Files.writeString(p, value + "\n");
            } catch (IOException e) {
                throw new CrossnetException("cannot write " + value + " to " + p + ": " + e.getMessage(), e);
            }
            return;
        }
        Commands.Result r = commands.tool(value + "\n", "tee", p.toString());
        if (r.exitCode() != 0) {
            throw new CrossnetException("cannot write " + value + " to " + p + " in namespace "
                    + commands.namespace() + ": " + r.stderr().trim());
        }
    }

    private static Path path(String key) {
        if (!KEY.matcher(key).matches() || key.contains("..")) {
            throw new IllegalArgumentException("not a sysctl key like net/ipv4/ip_forward: \"" + key + "\"");
        }
        return Path.of("/proc/sys", key);
    }
}

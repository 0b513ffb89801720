package dev.crossnet.cluster;

import dev.crossnet.CrossnetException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code agent.env}: the agent's flags beyond the store, as {@code CROSSNET_AGENT_ARGS=--public-ip
 * 10.0.0.1}, for a systemd unit's {@code ExecStart=/usr/bin/crossnet agent $CROSSNET_AGENT_ARGS}.
 * Arguments are separated by spaces and hold none themselves.
 */
public final class AgentEnv {
    static final String VAR = "CROSSNET_AGENT_ARGS";

    private AgentEnv() {
    }

    public static void write(Path file, List<String> args) {
        for (String a : args) {
            if (a.isEmpty() || a.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("agent argument \"" + a + "\" is empty or holds a space");
            }
        }
        dev.crossnet.agent.AtomicFiles.write(file, VAR + "=" + String.join(" ", args) + "\n");
    }

    /** The arguments in {@code file}; none if it does not exist. */
    public static List<String> read(Path file) {
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(VAR + "=")) {
                    String v = line.substring(VAR.length() + 1).strip();
                    return v.isEmpty() ? List.of() : new ArrayList<>(Arrays.asList(v.split("\\s+")));
                }
            }
            return List.of();
        } catch (IOException e) {
            throw new CrossnetException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}

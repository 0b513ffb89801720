package dev.crossnet.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crossnet.CrossnetException;
import dev.crossnet.agent.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.DirectoryStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The delegate config each ADD used, kept per container and interface until its DEL, as
 * flannel's plugin keeps its own: {@code <dataDir>/<network>/<container id>-<ifname>}. DEL and
 * CHECK use it, not a config rebuilt from today's {@code subnet.env}, so they undo and check what
 * was really done even after the lease changed or the agent removed the file. Files are replaced
 * atomically; a process sees the old record or the new one.
 */
final class SavedDelegates {
    private final Path dir;

    SavedDelegates(Path dataDir, String network) {
        this.dir = dataDir.resolve(network);
    }

    Path file(CniEnv env) {
        return dir.resolve(env.containerId() + "-" + env.ifname());
    }

    /** Saves (replacing) the record of {@code env}'s container and interface. */
    void save(CniEnv env, ObjectNode delegate) throws CniError {
        try {
            AtomicFiles.write(file(env), Json.write(delegate, false));
        } catch (CrossnetException e) {
            throw new CniError(CniError.IO_FAILURE, "dataDir: " + e.getMessage());
        }
    }

    /** The saved record, or null if there is none or it is not a JSON object (then DEL rebuilds it). */
    ObjectNode load(CniEnv env) {
        try {
            JsonNode n = Json.read(Files.readAllBytes(file(env)));
            return n != null && n.isObject() ? (ObjectNode) n : null;
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            System.err.println("crossnet: ignoring unreadable " + file(env) + ": " + e.getMessage());
            return null;
        }
    }

    /**
     * Deletes every record but those of {@code keep} (GC). Files whose names start with a dot are
     * another call's writes in progress, and stay. Idempotent.
     */
    void retainOnly(Set<NetConf.Attachment> keep) throws CniError {
        Set<String> names = keep.stream().map(a -> a.containerId() + "-" + a.ifname()).collect(Collectors.toSet());
        List<String> failed = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (!name.startsWith(".") && !names.contains(name)) {
                    try {
                        Files.deleteIfExists(f);
                    } catch (IOException e) {
                        failed.add(f + ": " + e.getMessage());
                    }
                }
            }
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            throw new CniError(CniError.IO_FAILURE, "cannot list " + dir + ": " + e.getMessage());
        }
        if (!failed.isEmpty()) {
            throw new CniError(CniError.IO_FAILURE, "cannot delete " + String.join(", ", failed));
        }
    }

    /** Deletes the record if present. Idempotent. */
    void delete(CniEnv env) throws CniError {
        try {
            Files.deleteIfExists(file(env));
        } catch (IOException e) {
            throw new CniError(CniError.IO_FAILURE, "cannot delete " + file(env) + ": " + e.getMessage());
        }
    }
}

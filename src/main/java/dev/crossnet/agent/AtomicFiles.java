package dev.crossnet.agent;

import dev.crossnet.CrossnetException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Writes files so that readers see either the old or the new content: a temp file, then a rename. */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /**
     * Fails early, before anything else is changed, if {@code file} could not be written.
     *
     * @param option the flag that named the file, for the message
     */
    public static void checkWritable(Path file, String option) {
        Path dir = file.toAbsolutePath().getParent();
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, "." + file.getFileName(), ".probe");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw new CrossnetException(option + ": cannot write " + file + ": " + reason(e));
        }
        if (Files.isDirectory(file)) {
            throw new CrossnetException(option + ": cannot write " + file + ": it is a directory");
        }
    }

    /** Replaces {@code file} with {@code content} atomically, creating parent directories. */
    public static void write(Path file, String content) {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new CrossnetException("cannot write " + file + ": " + reason(e), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: the temp file is hidden and harmless
                }
            }
        }
    }

    private static String reason(Exception e) {
        String m = e.getMessage();
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such directory";
        }
        if (e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null) {
            return fse.getReason().toLowerCase(java.util.Locale.ROOT);
        }
        return m == null ? e.getClass().getSimpleName() : m;
    }
}

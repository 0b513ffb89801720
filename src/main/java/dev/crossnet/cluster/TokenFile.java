package dev.crossnet.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crossnet.CrossnetException;
import dev.crossnet.pki.Pem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;

/**
 * The init host's current join token ({@code join-token.json}, mode 0600): the token and when it
 * expires (null: never). Rotation replaces the file atomically; the join endpoint reads it on every
 * request, so a rotated or expired token is refused at once.
 */
public record TokenFile(String token, Instant expires) {
    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();

    public JoinToken parsed() {
        return JoinToken.parse(token);
    }

    public static TokenFile read(Path file) {
        try {
            var n = JSON.readTree(Files.readString(file));
            String exp = n.path("expires").isNull() || n.path("expires").isMissingNode() ? null : n.get("expires").asText();
            return new TokenFile(n.get("token").asText(), exp == null ? null : Instant.parse(exp));
        } catch (IOException | RuntimeException e) {
            throw new CrossnetException("cannot read the join token " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes the file through a 0600 temp file and a rename, so it is never readable by others nor half-written. */
    public void write(Path file) {
        var n = JSON.createObjectNode();
        n.put("token", token);
        if (expires != null) {
            n.put("expires", expires.toString());
        } else {
            n.putNull("expires");
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.deleteIfExists(tmp);
            Pem.writeSecret(tmp, n.toString());
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new CrossnetException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}

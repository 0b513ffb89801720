package dev.crossnet.host;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crossnet.CrossnetException;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * dockerd's {@code daemon.json}, set up for crossnet: {@code "dns"} starts with this host's address
 * (where the agent answers container names; Docker's embedded DNS asks the servers in order and
 * crossnet refuses names it does not own, so the next ones answer the rest) and
 * {@code "authorization-plugins"} holds {@value #AUTHZ_PLUGIN} (the {@code docker network rm} guard).
 *
 * <p>Contract of {@link #apply}: every other key, the order of keys and the file's owner and mode are
 * kept; a file that is not a JSON object, holds a key twice, or whose {@code dns} /
 * {@code authorization-plugins} are not lists of strings is refused with one error naming it and is
 * left as it was; a file already set up is not written (idempotent); a changed file is replaced
 * atomically after its previous content is copied to a timestamped backup beside it.
 */
public final class DockerDaemonConfig {
    /** The authz plugin's name: its socket is /run/docker/plugins/crossnet-authz.sock. */
    public static final String AUTHZ_PLUGIN = "crossnet-authz";
    public static final Path DEFAULT_PATH = Path.of("/etc/docker/daemon.json");
    /** Where {@link #upstreamResolvers} looks by default, as dockerd does. */
    public static final List<Path> DEFAULT_RESOLV_CONFS =
            List.of(Path.of("/etc/resolv.conf"), Path.of("/run/systemd/resolve/resolv.conf"));

    /** What {@link #apply} did; {@code backup} is null when nothing was overwritten. */
    public record Outcome(Path file, boolean changed, boolean dnsChanged, boolean authzChanged, List<String> dns,
                          Path backup) {
        /** dockerd reads {@code dns} only at start; {@code authorization-plugins} on reload (SIGHUP) too. */
        public boolean restartNeeded() {
            return dnsChanged;
        }

        public boolean reloadEnough() {
            return !dnsChanged && authzChanged;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private final Path file;
    private final Clock clock;

    public DockerDaemonConfig(Path file, Clock clock) {
        this.file = file;
        this.clock = clock;
    }

    /**
     * Merges crossnet's settings into the file (creating it, mode 0644, when missing).
     *
     * @param dnsAddress this host's address, first in {@code dns}
     * @param upstream   resolvers to put after it when the file names none (the host's own, so containers
     *                   still resolve other names); ignored when {@code dns} is already set
     * @throws CrossnetException naming the file and what is wrong; the file is unchanged then
     */
    public Outcome apply(String dnsAddress, List<String> upstream) {
        Path target = resolveLinks();
        boolean exists = Files.exists(target);
        String before = exists ? read(target) : "";
        ObjectNode root = parse(target, before);
        boolean dnsChanged = mergeDns(target, root, dnsAddress, upstream);
        boolean authzChanged = mergeAuthz(target, root);
        List<String> dns = strings(root.get("dns"));
        if (!dnsChanged && !authzChanged) {
            return new Outcome(target, false, false, false, dns, null);
        }
        Path backup = exists ? backup(target) : null;
        try {
            write(target, render(root), exists);
        } catch (CrossnetException e) {
            deleteQuietly(backup);
            throw e;
        }
        return new Outcome(target, true, dnsChanged, authzChanged, dns, backup);
    }

    /**
     * The host's own resolvers, for containers' other names: the nameservers of the first file that
     * names one that is not loopback (containers cannot reach the host's 127.0.0.53; systemd-resolved
     * keeps the real ones in /run/systemd/resolve/resolv.conf, which dockerd reads too). Missing files
     * are skipped; an empty list means none was found.
     */
    public static List<String> upstreamResolvers(List<Path> resolvConfs) {
        for (Path f : resolvConfs) {
            List<String> lines;
            try {
                lines = Files.readAllLines(f, StandardCharsets.UTF_8);
            } catch (IOException e) {
                continue;
            }
            List<String> found = new ArrayList<>();
            for (String line : lines) {
                String[] w = line.strip().split("\\s+");
                if (w.length >= 2 && w[0].equals("nameserver")) {
                    IPAddress a = new IPAddressString(w[1]).getAddress();
                    if (a != null && !a.isLoopback() && !found.contains(a.toCanonicalString())) {
                        found.add(a.toCanonicalString());
                    }
                }
            }
            if (!found.isEmpty()) {
                return found;
            }
        }
        return List.of();
    }

    static ObjectNode parse(Path target, String text) {
        if (text.isBlank()) {
            return JSON.createObjectNode();
        }
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new CrossnetException(target + " is not valid JSON (" + e.getOriginalMessage() + " at line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + "); nothing changed");
        }
        if (!(node instanceof ObjectNode obj)) {
            throw new CrossnetException(target + " must hold a JSON object, not " + node.getNodeType().toString().toLowerCase()
                    + "; nothing changed");
        }
        return obj;
    }

    private static boolean mergeDns(Path target, ObjectNode root, String address, List<String> upstream) {
        List<String> old = stringList(target, root, "dns");
        Set<String> merged = new LinkedHashSet<>();
        merged.add(address);
        if (old.isEmpty()) {
            merged.addAll(upstream);
        } else {
            merged.addAll(old);
        }
        List<String> now = new ArrayList<>(merged);
        if (now.equals(old)) {
            return false;
        }
        ArrayNode arr = root.putArray("dns");
        now.forEach(arr::add);
        return true;
    }

    private static boolean mergeAuthz(Path target, ObjectNode root) {
        List<String> old = stringList(target, root, "authorization-plugins");
        if (old.contains(AUTHZ_PLUGIN)) {
            return false;
        }
        ArrayNode arr = root.putArray("authorization-plugins");
        old.forEach(arr::add);
        arr.add(AUTHZ_PLUGIN);
        return true;
    }

    private static List<String> stringList(Path target, ObjectNode root, String key) {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (!v.isArray()) {
            throw new CrossnetException(target + ": \"" + key + "\" must be a list of strings, not " + v + "; nothing changed");
        }
        for (JsonNode e : v) {
            if (!e.isTextual()) {
                throw new CrossnetException(target + ": \"" + key + "\" must be a list of strings, but holds " + e
                        + "; nothing changed");
            }
        }
        return strings(v);
    }

    private static List<String> strings(JsonNode v) {
        List<String> out = new ArrayList<>();
        if (v != null) {
            v.forEach(e -> out.add(e.asText()));
        }
        return out;
    }

    static String render(ObjectNode root) {
        DefaultPrettyPrinter pp = new DefaultPrettyPrinter(Separators.createDefaultInstance()
                .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                .withArrayValueSpacing(Separators.Spacing.AFTER))
                .withObjectIndenter(new DefaultIndenter("  ", "\n"))
                .withArrayIndenter(DefaultPrettyPrinter.NopIndenter.instance);
        try {
            return JSON.writer(pp).writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The file a symlinked daemon.json points at, so the link stays a link. */
    private Path resolveLinks() {
        try {
            return Files.exists(file) ? file.toRealPath() : file;
        } catch (IOException e) {
            throw new CrossnetException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static String read(Path target) {
        try {
            return Files.readString(target, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CrossnetException("cannot read " + target + ": " + e.getMessage() + "; nothing changed", e);
        }
    }

    private Path backup(Path target) {
        String base = target.getFileName() + "." + STAMP.format(clock.instant()) + ".crossnet-backup";
        Path b = target.resolveSibling(base);
        for (int i = 1; Files.exists(b, LinkOption.NOFOLLOW_LINKS); i++) {
            b = target.resolveSibling(base + "." + i);
        }
        try {
            Files.copy(target, b, StandardCopyOption.COPY_ATTRIBUTES);
            return b;
        } catch (IOException e) {
            throw new CrossnetException("cannot back up " + target + " to " + b + ": " + e.getMessage() + "; nothing changed", e);
        }
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // the backup is a copy of the unchanged file: harmless
            }
        }
    }

    private static void write(Path target, String content, boolean exists) {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            PosixFileAttributeView view = Files.getFileAttributeView(tmp, PosixFileAttributeView.class);
            if (exists) {
                PosixFileAttributes old = Files.readAttributes(target, PosixFileAttributes.class);
                view.setPermissions(old.permissions());
                if (!old.owner().equals(Files.getOwner(tmp)) || !old.group().equals(view.readAttributes().group())) {
                    view.setOwner(old.owner());
                    view.setGroup(old.group());
                }
            } else {
                view.setPermissions(PosixFilePermissions.fromString("rw-r--r--"));
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new CrossnetException("cannot write " + target + ": " + e.getMessage() + "; it is unchanged", e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // hidden and harmless
                }
            }
        }
    }
}

package dev.crossnet.cni;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The crossnet plugin's network configuration, as the runtime hands it over on stdin (one entry
 * of a {@code .conflist}, with {@code name} and {@code cniVersion} filled in by the runtime):
 * <pre>
 * {"cniVersion": "1.0.0", "name": "crossnet", "type": "crossnet",
 *  "subnetFile": "/run/crossnet/subnet.env",      // optional: the agent's --subnet-file
 *  "dataDir": "/var/lib/cni/crossnet",            // optional: where each container's delegate config is kept
 *  "ipam": {"dataDir": "/var/lib/cni/networks"},  // optional: more host-local settings
 *  "delegate": {"bridge": "crossnet0", "hairpinMode": true}}  // optional: more bridge settings
 * </pre>
 * Immutable; {@code ipam} and {@code delegate} are copies the caller may not change.
 *
 * @param prevResult the result of ADD, given with CHECK and DEL; null if absent
 */
public record NetConf(String cniVersion, String name, Path subnetFile, Path dataDir, ObjectNode ipam,
                      ObjectNode delegate, JsonNode prevResult) {

    /** The versions this plugin speaks; the delegated {@code bridge} and {@code host-local} (1.1.1) speak them all. */
    public static final List<String> SUPPORTED_VERSIONS = List.of("0.3.0", "0.3.1", "0.4.0", "1.0.0");
    public static final Path DEFAULT_SUBNET_FILE = Path.of("/run/crossnet/subnet.env");
    public static final Path DEFAULT_DATA_DIR = Path.of("/var/lib/cni/crossnet");
    /** The CNI spec's network name: it becomes a directory name of host-local's. */
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.\\-]*");
    /** Keys of {@code delegate} that crossnet sets itself, from the config's own fields. */
    private static final List<String> OWN_DELEGATE_KEYS = List.of("name", "cniVersion", "ipam", "prevResult");
    /** Keys of {@code ipam} that crossnet sets itself, from subnet.env. */
    private static final List<String> OWN_IPAM_KEYS = List.of("ranges", "subnet", "rangeStart", "rangeEnd", "gateway");

    /**
     * Parses and validates the configuration.
     *
     * @throws CniError code 6 if it is not JSON, 1 for an unsupported cniVersion, 7 naming the
     *     field that is missing or malformed, 2 for a field crossnet sets itself
     */
    public static NetConf parse(byte[] stdin) throws CniError {
        JsonNode root;
        try {
            root = Json.read(stdin);
        } catch (JsonProcessingException e) {
            throw new CniError(CniError.DECODE_FAILURE, "the network configuration on stdin is not JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new CniError(CniError.IO_FAILURE, "cannot read the network configuration on stdin: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new CniError(CniError.DECODE_FAILURE, "the network configuration on stdin must be a JSON object");
        }
        String version = string(root, "cniVersion", null);
        if (version == null) {
            throw new CniError(CniError.INVALID_CONFIG, "cniVersion is missing");
        }
        if (!SUPPORTED_VERSIONS.contains(version)) {
            throw new CniError(CniError.INCOMPATIBLE_VERSION, "cniVersion " + version + " is not supported",
                    "crossnet supports " + String.join(", ", SUPPORTED_VERSIONS));
        }
        String name = string(root, "name", null);
        if (name == null) {
            throw new CniError(CniError.INVALID_CONFIG, "name is missing");
        }
        if (!NAME.matcher(name).matches()) {
            throw new CniError(CniError.INVALID_CONFIG, "name \"" + name + "\" is not a network name (letters, digits, '_', '.' and '-')");
        }
        Path subnetFile = path(root, "subnetFile", DEFAULT_SUBNET_FILE);
        Path dataDir = path(root, "dataDir", DEFAULT_DATA_DIR);
        ObjectNode ipam = object(root, "ipam");
        for (String k : OWN_IPAM_KEYS) {
            if (ipam.has(k)) {
                throw new CniError(CniError.UNSUPPORTED_FIELD, "ipam." + k + " is set by crossnet from this host's lease in "
                        + subnetFile + "; remove it");
            }
        }
        if (ipam.has("routes") && !ipam.get("routes").isArray()) {
            throw new CniError(CniError.INVALID_CONFIG, "ipam.routes must be an array");
        }
        if (ipam.has("type") && !ipam.get("type").isTextual()) {
            throw new CniError(CniError.INVALID_CONFIG, "ipam.type must be a string");
        }
        ObjectNode delegate = object(root, "delegate");
        for (String k : OWN_DELEGATE_KEYS) {
            if (delegate.has(k)) {
                throw new CniError(CniError.UNSUPPORTED_FIELD, "delegate." + k + " is set by crossnet"
                        + (k.equals("ipam") ? "; put host-local settings in the top-level ipam" : "; remove it"));
            }
        }
        if (delegate.has("type") && !delegate.get("type").isTextual()) {
            throw new CniError(CniError.INVALID_CONFIG, "delegate.type must be a string");
        }
        if (delegate.has("mtu")) {
            throw new CniError(CniError.UNSUPPORTED_FIELD, "delegate.mtu is set by crossnet from FLANNEL_MTU in " + subnetFile
                    + "; remove it");
        }
        JsonNode prev = root.get("prevResult");
        if (prev != null && !prev.isNull() && !prev.isObject()) {
            throw new CniError(CniError.INVALID_CONFIG, "prevResult must be an object");
        }
        return new NetConf(version, name, subnetFile, dataDir, ipam, delegate, prev == null || prev.isNull() ? null : prev);
    }

    /** True for 0.4.0 and later, the versions with CHECK. */
    public boolean hasCheck() {
        return !cniVersion.startsWith("0.3.");
    }

    private static String string(JsonNode root, String field, String dflt) throws CniError {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isTextual() || n.asText().isEmpty()) {
            throw new CniError(CniError.INVALID_CONFIG, field + " must be a non-empty string");
        }
        return n.asText();
    }

    private static Path path(JsonNode root, String field, Path dflt) throws CniError {
        String s = string(root, field, null);
        if (s == null) {
            return dflt;
        }
        if (!s.startsWith("/")) {
            throw new CniError(CniError.INVALID_CONFIG, field + " \"" + s + "\" must be an absolute path");
        }
        return Path.of(s);
    }

    private static ObjectNode object(JsonNode root, String field) throws CniError {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        }
        if (!n.isObject()) {
            throw new CniError(CniError.INVALID_CONFIG, field + " must be an object");
        }
        return ((ObjectNode) n).deepCopy();
    }
}

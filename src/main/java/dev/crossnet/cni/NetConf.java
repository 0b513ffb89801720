package dev.crossnet.cni;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.crossnet.backend.udp.UdpBackend;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The crossnet plugin's network configuration, as the runtime hands it over on stdin (one entry
 * of a {@code .conflist}, with {@code name} and {@code cniVersion} filled in by the runtime):
 * <pre>
 * {"cniVersion": "1.0.0", "name": "crossnet", "type": "crossnet",
 *  "subnetFile": "/run/crossnet/subnet.env",      // optional: the agent's --subnet-file
 *  "dataDir": "/var/lib/cni/crossnet",            // optional: where each container's delegate config is kept
 *  "ipam": {"dataDir": "/var/lib/cni/networks"},  // optional: more host-local settings
 *  "delegate": {"bridge": "crossnetbr0", "hairpinMode": true},  // optional: more bridge settings
 *  "agentHealthz": "127.0.0.1:8471"}              // optional: the agent's --healthz-ip:--healthz-port for STATUS, "" for none
 * </pre>
 * GC's config (CNI 1.1.0) also carries {@code "cni.dev/valid-attachments": [{"containerID", "ifname"}, …]}.
 * Immutable; {@code ipam} and {@code delegate} are copies the caller may not change.
 *
 * @param prevResult       the result of ADD, given with CHECK and DEL; null if absent
 * @param agentHealthz     {@code host:port} of the agent's {@code /readyz}, asked by STATUS; "" to not ask
 * @param validAttachments GC's {@code cni.dev/valid-attachments}; null if absent
 */
public record NetConf(String cniVersion, String name, Path subnetFile, Path dataDir, ObjectNode ipam,
                      ObjectNode delegate, JsonNode prevResult, String agentHealthz, Set<Attachment> validAttachments) {

    /** One container interface a runtime still uses, as GC names it. */
    public record Attachment(String containerId, String ifname) {
    }

    /**
     * The versions this plugin speaks. The delegated {@code bridge} and {@code host-local}
     * (Debian's 1.1.1) speak all but 1.1.0: a 1.1.0 config is handed to them as 1.0.0, whose
     * results 1.1.0 reads unchanged (see {@link #delegateVersion}).
     */
    public static final List<String> SUPPORTED_VERSIONS = List.of("0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0");
    /** The newest version the delegated plugins speak. */
    static final String DELEGATE_MAX_VERSION = "1.0.0";
    public static final Path DEFAULT_SUBNET_FILE = Path.of("/run/crossnet/subnet.env");
    public static final Path DEFAULT_DATA_DIR = Path.of("/var/lib/cni/crossnet");
    /** The agent's default {@code --healthz-ip} and {@code --healthz-port}. */
    public static final String DEFAULT_AGENT_HEALTHZ = "127.0.0.1:8471";
    static final String VALID_ATTACHMENTS = "cni.dev/valid-attachments";
    private static final Pattern HOST_PORT = Pattern.compile("[0-9A-Za-z.-]+:[0-9]{1,5}");
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
        if (delegate.path("bridge").asText("").equals(UdpBackend.DEVICE)) {
            throw new CniError(CniError.INVALID_CONFIG, "delegate.bridge \"" + UdpBackend.DEVICE
                    + "\" is the name of the udp backend's TUN device; choose another (default " + DelegateConf.DEFAULT_BRIDGE + ")");
        }
        if (delegate.has("mtu")) {
            throw new CniError(CniError.UNSUPPORTED_FIELD, "delegate.mtu is set by crossnet from FLANNEL_MTU in " + subnetFile
                    + "; remove it");
        }
        JsonNode prev = root.get("prevResult");
        if (prev != null && !prev.isNull() && !prev.isObject()) {
            throw new CniError(CniError.INVALID_CONFIG, "prevResult must be an object");
        }
        JsonNode h = root.get("agentHealthz");
        String healthz = h != null && h.isTextual() && h.asText().isEmpty() ? "" : string(root, "agentHealthz", DEFAULT_AGENT_HEALTHZ);
        if (!healthz.isEmpty() && !HOST_PORT.matcher(healthz).matches()) {
            throw new CniError(CniError.INVALID_CONFIG, "agentHealthz \"" + healthz + "\" must be HOST:PORT (the agent's --healthz-ip and"
                    + " --healthz-port), or \"\" to not ask the agent");
        }
        return new NetConf(version, name, subnetFile, dataDir, ipam, delegate, prev == null || prev.isNull() ? null : prev,
                healthz, attachments(root.get(VALID_ATTACHMENTS)));
    }

    /** True for 0.4.0 and later, the versions with CHECK. */
    public boolean hasCheck() {
        return !cniVersion.startsWith("0.3.");
    }

    /** True for 1.1.0, the version with GC and STATUS. */
    public boolean hasGcAndStatus() {
        return cniVersion.equals("1.1.0");
    }

    /** The cniVersion to hand the delegated plugins: this config's, or the newest they speak if it is newer. */
    public String delegateVersion() {
        return cniVersion.equals("1.1.0") ? DELEGATE_MAX_VERSION : cniVersion;
    }

    private static Set<Attachment> attachments(JsonNode list) throws CniError {
        if (list == null || list.isNull()) {
            return null;
        }
        if (!list.isArray()) {
            throw new CniError(CniError.INVALID_CONFIG, VALID_ATTACHMENTS + " must be an array");
        }
        Set<Attachment> out = new LinkedHashSet<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode a = list.get(i);
            String at = VALID_ATTACHMENTS + "[" + i + "]";
            if (!a.isObject()) {
                throw new CniError(CniError.INVALID_CONFIG, at + " must be an object with containerID and ifname");
            }
            out.add(new Attachment(required(a, "containerID", at + ".containerID"), required(a, "ifname", at + ".ifname")));
        }
        return Collections.unmodifiableSet(out);
    }

    /** A required non-empty string field of {@code o}, named {@code as} in the error. */
    private static String required(JsonNode o, String field, String as) throws CniError {
        JsonNode n = o.get(field);
        if (n == null || !n.isTextual() || n.asText().isEmpty()) {
            throw new CniError(CniError.INVALID_CONFIG, as + " must be a non-empty string");
        }
        return n.asText();
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

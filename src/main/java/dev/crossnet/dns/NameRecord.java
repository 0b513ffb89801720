package dev.crossnet.dns;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The names of one container on one Docker network, as stored at
 * {@code <prefix>/dns/<network>/<containerId>}:
 * <pre>
 * /coreos.com/network/dns/my-net/3dd7b088c68f… = {"IPv4":"192.168.100.4","Host":"h2","Names":["busybox2","web","3dd7b088c68f"]}
 * </pre>
 * One key per endpoint, so a disconnect is one delete and an alias shared by several containers
 * gives several addresses (Docker's round robin). Names are lower-cased: DNS is case-insensitive.
 *
 * @param network     the Docker network's name (the same on every host, unlike its id for local-scope drivers)
 * @param containerId the full container id
 * @param host        the host id of the dockerd that runs it
 * @param ipv4        its address on that network
 * @param names       container name, {@code --network-alias}es and whatever else Docker resolves it by
 */
public record NameRecord(String network, String containerId, String host, String ipv4, List<String> names) {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String DIR = "/dns/";

    public NameRecord {
        List<String> lower = new ArrayList<>();
        for (String n : names) {
            String l = n.toLowerCase(Locale.ROOT);
            if (!l.isEmpty() && !lower.contains(l)) {
                lower.add(l);
            }
        }
        names = List.copyOf(lower);
    }

    /** The directory holding every record under {@code prefix}: {@code <prefix>/dns/}. */
    public static String dir(String prefix) {
        return prefix + DIR;
    }

    public String key(String prefix) {
        return dir(prefix) + network + "/" + containerId;
    }

    public String toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("IPv4", ipv4);
        n.put("Host", host);
        n.putArray("Names").addAll(names.stream().map(JSON.getNodeFactory()::textNode).toList());
        return n.toString();
    }

    /**
     * Parses a stored record; empty (never an exception) if the key is not a record's or the value
     * is malformed, since one bad record must not stop a host from answering the others.
     */
    public static Optional<NameRecord> parse(String prefix, String key, String value) {
        String dir = dir(prefix);
        if (!key.startsWith(dir)) {
            return Optional.empty();
        }
        String[] parts = key.substring(dir.length()).split("/");
        if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
            return Optional.empty();
        }
        try {
            JsonNode n = JSON.readTree(value);
            String ip = n.path("IPv4").asText("");
            if (!Ipv4.isDottedQuad(ip) || !n.path("Names").isArray()) {
                return Optional.empty();
            }
            List<String> names = new ArrayList<>();
            n.path("Names").forEach(x -> names.add(x.asText("")));
            return Optional.of(new NameRecord(parts[0], parts[1], n.path("Host").asText(""), ip, names));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}

package dev.crossnet.cni;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * GC (CNI 1.1.0): releases what is kept for container interfaces that are not in the runtime's
 * {@code cni.dev/valid-attachments}, and nothing of those that are.
 * <ul>
 * <li>host-local's addresses: each file of {@code <ipam.dataDir>/<network>/} named after an
 *     address records the container id and interface that hold it. For every attachment not in the
 *     list, host-local's own DEL releases it, under host-local's lock. Debian's host-local (1.1.1)
 *     predates GC, so crossnet cannot hand it the list; its DEL wants a valid {@code ranges} but
 *     releases by container id and interface only, so the range given is the address's own /30
 *     (/126), which works with no {@code subnet.env}. Skipped when {@code ipam.type} is not
 *     host-local: crossnet does not know another IPAM's records.</li>
 * <li>crossnet's own per-attachment records ({@link SavedDelegates}) not in the list are deleted.</li>
 * </ul>
 * The bridge has nothing per container to collect: a container's veth goes with its namespace.
 * Carries on past a failure and reports all of them at the end.
 */
final class AttachmentGc {
    static final String HOST_LOCAL = "host-local";
    static final Path HOST_LOCAL_DEFAULT_DIR = Path.of("/var/lib/cni/networks");

    private final Plugins plugins;

    AttachmentGc(Plugins plugins) {
        this.plugins = plugins;
    }

    /** Collects for {@code conf}'s network, keeping {@code conf.validAttachments()}. */
    void collect(CniEnv env, NetConf conf, SavedDelegates saved) throws CniError {
        Set<NetConf.Attachment> valid = conf.validAttachments();
        List<String> failures = new ArrayList<>();
        int code = 0;
        if (conf.ipam().path("type").asText(HOST_LOCAL).equals(HOST_LOCAL)) {
            for (Map.Entry<NetConf.Attachment, IPAddress> stale : staleAddresses(conf, valid).entrySet()) {
                NetConf.Attachment a = stale.getKey();
                CniEnv del = new CniEnv(CniEnv.Command.DEL, a.containerId(), "", a.ifname(), env.path(), "");
                try {
                    plugins.run(HOST_LOCAL, CniEnv.Command.DEL, del, releaseConf(conf, stale.getValue()));
                } catch (CniError e) {
                    code = code == 0 ? e.code() : code;
                    failures.add(a.containerId() + "/" + a.ifname() + ": " + e.getMessage());
                }
            }
        }
        try {
            saved.retainOnly(valid);
        } catch (CniError e) {
            code = code == 0 ? e.code() : code;
            failures.add(e.getMessage());
        }
        if (!failures.isEmpty()) {
            throw new CniError(code, "GC released what it could; " + failures.size() + " failed: " + String.join("; ", failures));
        }
    }

    /**
     * The attachments host-local holds addresses for that are not in {@code valid}, each with one of
     * its addresses. A record without an interface line (written by host-local before 0.9) names
     * only a container, and is stale when no valid attachment has that container; its DEL then uses
     * interface {@code eth0}, and host-local falls back to releasing by container id.
     */
    static Map<NetConf.Attachment, IPAddress> staleAddresses(NetConf conf, Set<NetConf.Attachment> valid) throws CniError {
        Path dir = Path.of(conf.ipam().path("dataDir").asText(HOST_LOCAL_DEFAULT_DIR.toString())).resolve(conf.name());
        Set<String> validContainers = valid.stream().map(NetConf.Attachment::containerId).collect(Collectors.toSet());
        Map<NetConf.Attachment, IPAddress> stale = new LinkedHashMap<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                IPAddress address = new IPAddressString(f.getFileName().toString()).getAddress();
                if (address == null || address.isPrefixed() || !Files.isRegularFile(f)) {
                    continue; // host-local's lock and last_reserved_ip.N files
                }
                String[] lines = read(f).strip().split("\r?\n");
                String id = lines[0].strip();
                if (id.isEmpty()) {
                    continue;
                }
                boolean keep;
                NetConf.Attachment a;
                if (lines.length > 1) {
                    a = new NetConf.Attachment(id, lines[1].strip());
                    keep = valid.contains(a);
                } else {
                    a = new NetConf.Attachment(id, "eth0");
                    keep = validContainers.contains(id);
                }
                if (!keep) {
                    stale.putIfAbsent(a, address);
                }
            }
        } catch (NoSuchFileException e) {
            return Map.of(); // no address was ever taken on this network
        } catch (IOException e) {
            throw new CniError(CniError.IO_FAILURE, "GC cannot list host-local's records in " + dir + ": " + e.getMessage());
        }
        return stale;
    }

    private static String read(Path f) {
        try {
            return Files.readString(f, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return ""; // released by host-local meanwhile
        }
    }

    /** host-local's DEL config: the network's ipam settings, and a range host-local accepts. */
    static ObjectNode releaseConf(NetConf conf, IPAddress address) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode ipam = f.objectNode();
        ipam.put("type", HOST_LOCAL);
        ipam.setAll(conf.ipam());
        ipam.remove("routes");
        String block = address.toPrefixBlock(address.getBitCount() - 2).toCanonicalString();
        ipam.set("ranges", f.arrayNode().add(f.arrayNode().add(f.objectNode().put("subnet", block))));
        ObjectNode c = f.objectNode();
        c.put("cniVersion", conf.delegateVersion());
        c.put("name", conf.name());
        c.set("ipam", ipam);
        return c;
    }
}

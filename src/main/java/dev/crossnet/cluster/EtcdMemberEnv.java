package dev.crossnet.cluster;

import dev.crossnet.CrossnetException;
import dev.crossnet.agent.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code etcd.env}: every flag of this host's etcd member as an {@code ETCD_*} variable (etcd reads
 * its flags from the environment this way; a systemd unit uses the file as its {@code
 * EnvironmentFile}). Clients and peers both need certificates signed by the cluster CA (mutual
 * TLS); the member listens on the host's advertise address only. No secrets: the key is a file name.
 */
public final class EtcdMemberEnv {
    public static final int CLIENT_PORT = 2379;
    public static final int PEER_PORT = 2380;

    private EtcdMemberEnv() {
    }

    public static String clientUrl(String ip) {
        return "https://" + hostPart(ip) + ":" + CLIENT_PORT;
    }

    public static String peerUrl(String ip) {
        return "https://" + hostPart(ip) + ":" + PEER_PORT;
    }

    private static String hostPart(String ip) {
        return ip.contains(":") ? "[" + ip + "]" : ip;
    }

    /**
     * The variables of a member.
     *
     * @param initialCluster {@code name=peerURL,…}, this member included
     * @param newCluster     true for {@code init}'s first member, false for a member joining a running cluster
     * @param clusterToken   the same on every member of one cluster (we use the CA digest's start)
     */
    public static Map<String, String> of(String name, String ip, ClusterConfig.Layout files, String initialCluster,
                                         boolean newCluster, String clusterToken) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("ETCD_NAME", name);
        m.put("ETCD_DATA_DIR", files.etcdData().toString());
        m.put("ETCD_LISTEN_CLIENT_URLS", clientUrl(ip));
        m.put("ETCD_ADVERTISE_CLIENT_URLS", clientUrl(ip));
        m.put("ETCD_LISTEN_PEER_URLS", peerUrl(ip));
        m.put("ETCD_INITIAL_ADVERTISE_PEER_URLS", peerUrl(ip));
        m.put("ETCD_INITIAL_CLUSTER", initialCluster);
        m.put("ETCD_INITIAL_CLUSTER_STATE", newCluster ? "new" : "existing");
        m.put("ETCD_INITIAL_CLUSTER_TOKEN", clusterToken);
        m.put("ETCD_CERT_FILE", files.hostCert().toString());
        m.put("ETCD_KEY_FILE", files.hostKey().toString());
        m.put("ETCD_CLIENT_CERT_AUTH", "true");
        m.put("ETCD_TRUSTED_CA_FILE", files.caCert().toString());
        m.put("ETCD_PEER_CERT_FILE", files.hostCert().toString());
        m.put("ETCD_PEER_KEY_FILE", files.hostKey().toString());
        m.put("ETCD_PEER_CLIENT_CERT_AUTH", "true");
        m.put("ETCD_PEER_TRUSTED_CA_FILE", files.caCert().toString());
        m.put("ETCD_LOGGER", "zap");
        m.put("ETCD_LOG_OUTPUTS", "stderr");
        return m;
    }

    public static void write(Path file, Map<String, String> vars) {
        StringBuilder b = new StringBuilder("# crossnet's etcd member (written by crossnet init/join)\n");
        vars.forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
        AtomicFiles.write(file, b.toString());
    }

    public static Map<String, String> read(Path file) {
        Map<String, String> m = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(file)) {
                String l = line.strip();
                if (l.isEmpty() || l.startsWith("#")) {
                    continue;
                }
                int eq = l.indexOf('=');
                if (eq <= 0 || !l.startsWith("ETCD_")) {
                    throw new CrossnetException(file + ": not an ETCD_NAME=value line: " + l);
                }
                m.put(l.substring(0, eq), l.substring(eq + 1));
            }
        } catch (IOException e) {
            throw new CrossnetException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return m;
    }

    /** {@code ETCD_INITIAL_CLUSTER_STATE} → {@code --initial-cluster-state}. */
    public static String flag(String var) {
        return "--" + var.substring("ETCD_".length()).toLowerCase(Locale.ROOT).replace('_', '-');
    }
}

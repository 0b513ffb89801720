package dev.crossnet.cluster;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.List;

/**
 * The join endpoint's wire format: one JSON line each way over TLS, sent only after the joiner has
 * checked the endpoint's CA against its token.
 */
final class JoinMessages {
    static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    /** A request line longer than this is refused unread (a public key and a few names fit in 4 KiB). */
    static final int MAX_LINE = 16 * 1024;

    private JoinMessages() {
    }

    /**
     * @param secret        the token's secret
     * @param host          the joiner's host name
     * @param advertiseAddr the joiner's underlay address
     * @param publicKey     base64 of the joiner's TLS public key (X.509 SubjectPublicKeyInfo DER)
     * @param etcdMembers   the wanted number of etcd members (odd)
     * @param sealKey       base64 of the joiner's static X25519 public key (32 raw bytes) for the sealed datapath
     */
    record Request(String secret, String host, String advertiseAddr, String publicKey, int etcdMembers, String sealKey) {
    }

    /**
     * Either {@code error}, or the rest.
     *
     * @param hostCert       PEM, signed by the CA
     * @param caCert         PEM
     * @param role           {@link ClusterConfig#MEMBER} or {@link ClusterConfig#CLIENT}
     * @param memberId       the joiner's etcd member id (a learner so far), 0 for a client
     * @param promote        whether the joiner promotes itself once caught up
     * @param initialCluster etcd's {@code --initial-cluster} for a member
     * @param endpoints      the voters' client URLs
     * @param prefix         the network's key prefix
     * @param sealCert       PEM: the certificate of the request's seal key, binding the network's CIDR
     */
    record Response(String error, String hostCert, String caCert, String role, long memberId, boolean promote,
                    String initialCluster, List<String> endpoints, String prefix, String sealCert) {
        static Response failure(String error) {
            return new Response(error, null, null, null, 0, false, null, List.of(), null, null);
        }
    }

    static String write(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}

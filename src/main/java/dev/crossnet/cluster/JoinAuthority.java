package dev.crossnet.cluster;

import dev.crossnet.CrossnetException;
import dev.crossnet.pki.ClusterCa;
import dev.crossnet.pki.HostCertificateRequest;
import dev.crossnet.pki.Pem;
import dev.crossnet.lease.LeaseRegistry;
import dev.crossnet.store.Store;
import dev.crossnet.store.Stores;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the join endpoint does for one joiner, on the init host: checks the token's secret and
 * expiry, signs the joiner's host certificate, gives it an etcd role ({@link Membership}), records
 * the host ({@link NodeRegistry}) and updates this host's list of etcd endpoints. One joiner at a
 * time (synchronized). Logs the joiner's name and address, never the secret.
 */
public final class JoinAuthority {
    private static final Logger LOG = LoggerFactory.getLogger(JoinAuthority.class);
    static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,62})");
    static final Duration PROMOTE_LIMIT = Duration.ofSeconds(90);

    private final Path dir;
    private final ClusterCa ca;
    private final Clock clock;

    public JoinAuthority(Path dir, ClusterCa ca, Clock clock) {
        this.dir = dir;
        this.ca = ca;
        this.clock = clock;
    }

    /** Handles one request; returns the response (an error response for anything refused). */
    synchronized JoinMessages.Response handle(JoinMessages.Request req, InetAddress from) {
        try {
            JoinMessages.Response r = admit(req);
            LOG.info("admitted host {} ({}) from {} as etcd {}", req.host(), req.advertiseAddr(), from.getHostAddress(), r.role());
            return r;
        } catch (CrossnetException e) {
            LOG.warn("refused a join from {} (host {}): {}", from.getHostAddress(), safe(req.host()), e.getMessage());
            return JoinMessages.Response.failure(e.getMessage());
        }
    }

    private JoinMessages.Response admit(JoinMessages.Request req) {
        ClusterConfig.Layout files = new ClusterConfig.Layout(dir);
        TokenFile current = TokenFile.read(files.joinToken());
        if (req.secret() == null || !current.parsed().secretMatches(new JoinToken(current.parsed().caDigest(), req.secret()))) {
            throw new CrossnetException("the token's secret is not this cluster's current one (a mistyped or rotated token);"
                    + " print the current one with: crossnet join-token (on the init host)");
        }
        if (current.expires() != null && clock.instant().isAfter(current.expires())) {
            throw new CrossnetException("the token expired at " + current.expires()
                    + "; make a new one with: crossnet join-token --rotate (on the init host)");
        }
        if (req.host() == null || !HOST_NAME.matcher(req.host()).matches()) {
            throw new CrossnetException("--host-name: \"" + safe(req.host()) + "\" is not a host name (letters, digits, dots, dashes; at most 63)");
        }
        InetAddress addr = ipLiteral(req.advertiseAddr());
        MemberPlan.checkTarget("--etcd-members", req.etcdMembers());
        PublicKey key = publicKey(req.publicKey());
        // Refreshed per join: the endpoint runs for months, while members come and go.
        ClusterConfig cfg = ClusterConfig.load(dir).orElseThrow(() -> new CrossnetException("this host has no cluster config in " + dir))
                .refreshed(dir);
        try (Store store = Stores.open(cfg.storeSpec(dir, Duration.ofSeconds(10)));
             EtcdCluster etcd = new JetcdCluster(uris(cfg.etcdEndpoints()), files.caCert(), files.hostCert(), files.hostKey(),
                     Duration.ofSeconds(10))) {
            NodeRegistry nodes = new NodeRegistry(store);
            nodes.get(req.host()).ifPresent(n -> {
                throw new CrossnetException("a host named " + n.host() + " is already in the cluster (address " + n.address()
                        + "); remove it first with crossnet node rm " + n.host() + ", or join with another --host-name");
            });
            for (NodeRegistry.Node n : nodes.list()) {
                if (n.address().equals(addr.getHostAddress())) {
                    throw new CrossnetException("host " + n.host() + " already has the address " + n.address()
                            + "; give this host its own --advertise-addr, or remove " + n.host() + " first with crossnet node rm");
                }
            }
            var cert = ca.issue(HostCertificateRequest.tls(req.host(), key, List.of(addr, InetAddress.getLoopbackAddress())));
            byte[] sealKey = sealKey(req.sealKey());
            // The seal certificate binds the network's CIDR: the host's subnet is leased only later, by its agent.
            var sealCert = ca.issue(HostCertificateRequest.x25519(req.host(), sealKey, List.of(addr),
                    List.of(new LeaseRegistry(store, cfg.prefix()).config().network().toString())));
            Membership m = new Membership(etcd, PROMOTE_LIMIT, System::nanoTime, JoinAuthority::pause);
            Membership.Admission a = m.admit(req.host(), URI.create(EtcdMemberEnv.peerUrl(addr.getHostAddress())), req.etcdMembers());
            String role = a.plan().member() ? ClusterConfig.MEMBER : ClusterConfig.CLIENT;
            List<String> endpoints = new ArrayList<>(a.clientUrls());
            if (a.plan().member() && a.plan().promoteJoiner()) {
                endpoints.add(EtcdMemberEnv.clientUrl(addr.getHostAddress()));
            }
            nodes.put(new NodeRegistry.Node(req.host(), addr.getHostAddress(), role, NodeRegistry.now()));
            cfg.withEtcdEndpoints(endpoints).save(dir);
            return new JoinMessages.Response(null, Pem.certificate(cert), Pem.certificate(ca.certificate()), role, a.memberId(),
                    a.plan().promoteJoiner(), a.initialCluster(), endpoints, cfg.prefix(), Pem.certificate(sealCert));
        }
    }

    static InetAddress ipLiteral(String s) {
        if (s == null || !s.matches("[0-9.]+|[0-9a-fA-F:]+")) {
            throw new CrossnetException("--advertise-addr: \"" + safe(s) + "\" is not an IP address");
        }
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new CrossnetException("--advertise-addr: \"" + safe(s) + "\" is not an IP address");
        }
    }

    private static PublicKey publicKey(String b64) {
        try {
            return KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(b64)));
        } catch (Exception e) {
            throw new CrossnetException("the joiner's public key is not an EC key in X.509 form");
        }
    }

    private static byte[] sealKey(String b64) {
        byte[] raw;
        try {
            raw = b64 == null ? null : Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            raw = null;
        }
        if (raw == null || raw.length != 32) {
            throw new CrossnetException("the joiner sent no 32-byte X25519 seal key (a crossnet older than this cluster?)");
        }
        return raw;
    }

    private static List<URI> uris(List<String> s) {
        return s.stream().map(URI::create).toList();
    }

    private static String safe(String s) {
        if (s == null) {
            return "";
        }
        return s.length() > 64 ? s.substring(0, 64) + "…" : s;
    }

    private static void pause() {
        try {
            Thread.sleep(500); // between promotion attempts of a learner that is catching up
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CrossnetException("interrupted");
        }
    }
}

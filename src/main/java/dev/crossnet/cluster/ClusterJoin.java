package dev.crossnet.cluster;

import dev.crossnet.CrossnetException;
import dev.crossnet.pki.CaDigest;
import dev.crossnet.pki.Certificates;
import dev.crossnet.pki.HostKeys;
import dev.crossnet.pki.Pem;
import dev.crossnet.seal.X25519;
import dev.crossnet.store.Store;
import dev.crossnet.store.Stores;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * {@code crossnet join}: makes this host part of the cluster whose join endpoint is at {@code
 * IP:PORT}. Checks its input and the endpoint's CA before it sends anything; writes nothing before
 * the endpoint has admitted it. Then: its files, an etcd member (learner, promoted if the endpoint
 * says so) or none, and the agent. A failure after admission takes back every step, including its
 * etcd member and its node record in the cluster.
 */
public final class ClusterJoin {

    /** @param endpoint the join endpoint, {@code IP:PORT} */
    public record Options(Path dir, String hostName, String advertiseAddr, String endpoint, JoinToken token, int etcdMembers,
                          boolean startAgent) {
    }

    /** What the host became. */
    public record Result(String host, String advertiseAddr, String etcdRole, boolean learner) {
    }

    private ClusterJoin() {
    }

    public static Result run(Options o, Services services, Clock clock) {
        HostChecks.requireNoCluster(o.dir(), "join");
        MemberPlan.checkTarget("--etcd-members", o.etcdMembers());
        InetSocketAddress endpoint = endpoint(o.endpoint());
        String host = HostChecks.hostName(o.hostName());
        InetAddress adv = HostChecks.advertiseAddr(o.advertiseAddr());
        String ip = adv.getHostAddress();
        KeyPair kp = HostKeys.ecdsa();
        byte[] sealKey = SealFiles.newKey();

        JoinMessages.Response r = JoinClient.send(endpoint, o.token(), new JoinMessages.Request(o.token().secret(), host, ip,
                Base64.getEncoder().encodeToString(kp.getPublic().getEncoded()), o.etcdMembers(),
                Base64.getEncoder().encodeToString(X25519.publicKey(sealKey))));
        if (r.error() != null) {
            throw new CrossnetException("the join endpoint at " + o.endpoint() + " refused this host: " + r.error());
        }
        X509Certificate ca = Pem.parseCertificate(r.caCert(), "the CA from the join endpoint");
        X509Certificate cert = Pem.parseCertificate(r.hostCert(), "the host certificate from the join endpoint");
        if (!CaDigest.matches(ca, o.token().caDigest())) {
            throw new CrossnetException("the join endpoint at " + o.endpoint() + " sent a CA whose digest does not match the token");
        }
        Certificates.verify(cert, ca, clock.instant());
        if (!cert.getPublicKey().equals(kp.getPublic())) {
            throw new CrossnetException("the join endpoint at " + o.endpoint() + " certified another key than this host's");
        }
        X509Certificate sealCert = Pem.parseCertificate(r.sealCert(), "the seal certificate from the join endpoint");
        Certificates.verify(sealCert, ca, clock.instant());
        if (!java.util.Arrays.equals(HostKeys.x25519(sealCert), X25519.publicKey(sealKey))) {
            throw new CrossnetException("the join endpoint at " + o.endpoint() + " certified another seal key than this host's");
        }

        ClusterConfig.Layout files = new ClusterConfig.Layout(o.dir());
        boolean member = ClusterConfig.MEMBER.equals(r.role());
        Undo undo = new Undo();
        try {
            ClusterInit.createDir(o.dir(), undo);
            undo.addDelete(files.caCert());
            ClusterInit.writeNew(files.caCert(), Pem.certificate(ca));
            undo.addDelete(files.hostKey());
            Pem.writeSecret(files.hostKey(), Pem.privateKey(kp.getPrivate()));
            undo.addDelete(files.hostCert());
            ClusterInit.writeNew(files.hostCert(), Pem.certificate(cert));
            SealFiles.write(o.dir(), sealKey, sealCert, undo);
            List<String> endpoints = new ArrayList<>(r.endpoints());
            ClusterConfig cfg = new ClusterConfig(host, ip, r.role(), endpoints, r.prefix(), o.endpoint(), false, null);
            undo.addDelete(files.config());
            cfg.save(o.dir());
            if (member) {
                undo.addDelete(files.etcdEnv());
                EtcdMemberEnv.write(files.etcdEnv(), EtcdMemberEnv.of(host, ip, files, r.initialCluster(), false,
                        "crossnet-" + o.token().caDigest().substring(0, 12)));
                undo.addDelete(files.run());
                undo.addDelete(files.etcdData());
                undo.add(() -> services.stop(Services.Service.ETCD));
                services.start(Services.Service.ETCD);
                EtcdHealth.await(EtcdMemberEnv.clientUrl(ip), files, true, Duration.ofSeconds(90),
                        () -> services.running(Services.Service.ETCD), services.logHint(Services.Service.ETCD));
                if (r.promote()) {
                    List<String> voters = new ArrayList<>(endpoints);
                    voters.remove(EtcdMemberEnv.clientUrl(ip));
                    try (EtcdCluster etcd = new JetcdCluster(voters.stream().map(URI::create).toList(), files.caCert(),
                            files.hostCert(), files.hostKey(), Duration.ofSeconds(10))) {
                        new Membership(etcd, JoinAuthority.PROMOTE_LIMIT, System::nanoTime, ClusterJoin::pause)
                                .awaitPromotion(r.memberId(), host);
                    }
                }
            }
            undo.addDelete(files.agentEnv());
            AgentEnv.write(files.agentEnv(), List.of("--public-ip", ip));
            if (o.startAgent()) {
                undo.add(() -> services.stop(Services.Service.AGENT));
                services.start(Services.Service.AGENT);
            }
            return new Result(host, ip, r.role(), member && !r.promote());
        } catch (RuntimeException e) {
            // Once admitted, the cluster knows this host: forget it there first, while the files are still here.
            try {
                forget(o.dir(), r, host, member);
            } catch (RuntimeException f) {
                e.addSuppressed(f);
            }
            undo.run(e);
            throw e;
        }
    }

    /** Removes this host's node record and etcd member from the cluster, with the files the endpoint sent. */
    private static void forget(Path dir, JoinMessages.Response r, String host, boolean member) {
        ClusterConfig.Layout files = new ClusterConfig.Layout(dir);
        List<String> others = new ArrayList<>(r.endpoints());
        ClusterConfig cfg = new ClusterConfig(host, "", r.role(), others, r.prefix(), "", false, null);
        if (!java.nio.file.Files.isRegularFile(files.hostKey())) {
            throw new CrossnetException("cannot remove host " + host + " from the cluster (its key was not written);"
                    + " run crossnet node rm " + host + " on a cluster host");
        }
        if (member) {
            try (EtcdCluster etcd = new JetcdCluster(others.stream().map(URI::create).toList(), files.caCert(), files.hostCert(),
                    files.hostKey(), Duration.ofSeconds(10))) {
                etcd.remove(r.memberId());
            }
        }
        try (Store store = Stores.open(cfg.storeSpec(dir, Duration.ofSeconds(10)))) {
            new NodeRegistry(store).delete(host);
        }
    }

    static InetSocketAddress endpoint(String s) {
        int colon = s == null ? -1 : s.lastIndexOf(':');
        if (colon <= 0) {
            throw new CrossnetException("IP:PORT: \"" + s + "\" is not the join endpoint's IP:PORT (crossnet init printed it)");
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65535) {
            throw new CrossnetException("IP:PORT: \"" + s + "\" has no valid port");
        }
        String h = s.substring(0, colon);
        h = h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
        try {
            return new InetSocketAddress(JoinAuthority.ipLiteral(h), port);
        } catch (CrossnetException e) {
            throw new CrossnetException("IP:PORT: \"" + s + "\" is not an IP address and port");
        }
    }

    private static void pause() {
        try {
            Thread.sleep(500); // between promotion attempts while the learner catches up
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CrossnetException("interrupted");
        }
    }
}

package dev.crossnet.cluster;

import dev.crossnet.CrossnetException;
import dev.crossnet.store.etcd.JetcdDefaults;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.cluster.MemberListResponse;
import io.grpc.netty.GrpcSslContexts;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import javax.net.ssl.SSLException;

/**
 * {@link EtcdCluster} on a real etcd with mutual TLS: jetcd's Cluster client lists, adds and removes
 * members; promotion goes through {@code etcdctl member promote}, since jetcd 0.7.7 has no
 * MemberPromote call (etcd 3.4 has it). The TLS material is passed to etcdctl as file names, never
 * as contents. Thread-safe.
 */
public final class JetcdCluster implements EtcdCluster {
    private final Client client;
    private final List<URI> endpoints;
    private final Path ca;
    private final Path cert;
    private final Path key;
    private final Duration timeout;

    public JetcdCluster(List<URI> endpoints, Path ca, Path cert, Path key, Duration timeout) {
        this.endpoints = List.copyOf(endpoints);
        this.ca = ca;
        this.cert = cert;
        this.key = key;
        this.timeout = timeout;
        try {
            JetcdDefaults.apply();
            this.client = Client.builder().endpoints(endpoints.toArray(new URI[0]))
                    .sslContext(GrpcSslContexts.forClient().trustManager(ca.toFile()).keyManager(cert.toFile(), key.toFile()).build())
                    .build();
        } catch (SSLException e) {
            throw new CrossnetException("etcd at " + describe() + ": cannot load TLS files " + cert + ", " + key + ": " + e.getMessage(), e);
        }
    }

    private String describe() {
        return endpoints.stream().map(URI::toString).collect(Collectors.joining(","));
    }

    private <T> T await(String what, CompletableFuture<T> f) {
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new CrossnetException("etcd at " + describe() + ": no answer to " + what + " within " + timeout.toSeconds() + "s");
        } catch (ExecutionException e) {
            throw new CrossnetException("etcd at " + describe() + ": " + what + " failed: " + rootMessage(e.getCause()), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CrossnetException("interrupted during etcd " + what);
        }
    }

    @Override
    public List<Member> members() {
        MemberListResponse r = await("member list", client.getClusterClient().listMember());
        List<Member> out = new ArrayList<>();
        for (io.etcd.jetcd.cluster.Member m : r.getMembers()) {
            out.add(new Member(m.getId(), m.getName() == null ? "" : m.getName(), m.getPeerURIs(), m.getClientURIs(), m.isLearner()));
        }
        return out;
    }

    @Override
    public Member addLearner(URI peerUrl) {
        io.etcd.jetcd.cluster.Member m;
        try {
            m = await("member add --learner " + peerUrl, client.getClusterClient().addMember(List.of(peerUrl), true)).getMember();
        } catch (CrossnetException e) {
            if (String.valueOf(e.getMessage()).contains("unhealthy cluster")) {
                throw new NotReadyException(e.getMessage());
            }
            throw e;
        }
        return new Member(m.getId(), "", m.getPeerURIs(), m.getClientURIs(), true);
    }

    @Override
    public boolean promote(long id) {
        List<String> cmd = List.of("etcdctl", "--endpoints", describe(), "--cacert", ca.toString(), "--cert", cert.toString(),
                "--key", key.toString(), "--dial-timeout", "3s", "--command-timeout", timeout.toSeconds() + "s",
                "member", "promote", Long.toHexString(id));
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().put("ETCDCTL_API", "3");
            Process p = pb.start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(timeout.toSeconds() + 10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new CrossnetException("etcdctl member promote " + Long.toHexString(id) + ": no answer");
            }
            if (p.exitValue() == 0) {
                return true;
            }
            if (out.contains("in sync with leader") || out.contains("not ready") || out.contains("not enough started members")
                    || out.contains("unhealthy cluster")) {
                return false;
            }
            throw new CrossnetException("etcdctl member promote " + Long.toHexString(id) + " failed: " + out);
        } catch (IOException e) {
            throw new CrossnetException("cannot run etcdctl (install etcd-client): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CrossnetException("interrupted during etcd member promote");
        }
    }

    @Override
    public void remove(long id) {
        await("member remove " + Long.toHexString(id), client.getClusterClient().removeMember(id));
    }

    @Override
    public void close() {
        client.close();
    }

    static String rootMessage(Throwable t) {
        String msg = t.getMessage();
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getMessage() != null) {
                msg = c.getMessage();
            }
        }
        return msg;
    }
}

package dev.crossnet.cluster;

import dev.crossnet.CrossnetException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Waits for this host's etcd member with {@code etcdctl}, over mutual TLS with the host's files. A
 * voter is ready when {@code endpoint health} passes (it has a leader and serves reads); a learner,
 * which serves no client reads, when {@code endpoint status} answers. Blocking.
 */
final class EtcdHealth {
    private EtcdHealth() {
    }

    /**
     * @param alive false once the member's process has exited (then waiting stops at once)
     * @throws CrossnetException if not ready within {@code limit}
     */
    static void await(String clientUrl, ClusterConfig.Layout files, boolean learner, Duration limit, BooleanSupplier alive,
                      String logHint) {
        long deadline = System.nanoTime() + limit.toNanos();
        String last = "";
        while (true) {
            if (!alive.getAsBoolean()) {
                // The log goes with the rollback, so its last lines go into the message.
                throw new CrossnetException("etcd member exited while starting; last lines of " + logHint + ":\n    " + tail(logHint));
            }
            Result r = etcdctl(clientUrl, files, learner ? "status" : "health");
            if (r.exit == 0) {
                return;
            }
            last = r.out;
            if (System.nanoTime() > deadline) {
                throw new CrossnetException("etcd member at " + clientUrl + " not ready within " + limit.toSeconds() + "s: "
                        + last + "; see " + logHint);
            }
            try {
                Thread.sleep(200); // polling an external process's readiness: there is nothing to wait on
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CrossnetException("interrupted while waiting for etcd");
            }
        }
    }

    private record Result(int exit, String out) {
    }

    private static Result etcdctl(String url, ClusterConfig.Layout files, String what) {
        List<String> cmd = new ArrayList<>(List.of("etcdctl", "--endpoints", url, "--cacert", files.caCert().toString(),
                "--cert", files.hostCert().toString(), "--key", files.hostKey().toString(),
                "--dial-timeout", "2s", "--command-timeout", "3s", "endpoint", what));
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().put("ETCDCTL_API", "3");
            Process p = pb.start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(1, "etcdctl hung");
            }
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            throw new CrossnetException("cannot run etcdctl (install etcd-client): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CrossnetException("interrupted while waiting for etcd");
        }
    }

    static String tail(String file) {
        try {
            List<String> lines = java.nio.file.Files.readAllLines(java.nio.file.Path.of(file));
            return String.join("\n    ", lines.subList(Math.max(0, lines.size() - 8), lines.size()));
        } catch (IOException | RuntimeException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}

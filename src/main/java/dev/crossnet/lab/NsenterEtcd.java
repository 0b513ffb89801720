package dev.crossnet.lab;

import dev.crossnet.CrossnetException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Runs Debian's {@code etcd} binary detached inside the underlay namespace: a one-member cluster
 * whose client and peer URLs are on the underlay bridge's address (nothing on the root namespace,
 * nothing on 0.0.0.0). The lab's temporary launcher until {@code EtcdLauncher} lands (see
 * {@link LabEtcd}).
 */
final class NsenterEtcd implements LabEtcd {
    static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final int PEER_PORT = 2380;

    @Override
    public Started start(String ns, String ip, Path dir) {
        Path log = dir.resolve("etcd.log");
        try {
            Files.createDirectories(dir.resolve("data"));
        } catch (IOException e) {
            throw new CrossnetException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        String client = "http://" + ip + ":" + CLIENT_PORT;
        String peer = "http://" + ip + ":" + PEER_PORT;
        Process p = Processes.startDetached(ns, List.of("etcd",
                "--name", "lab",
                "--data-dir", dir.resolve("data").toString(),
                "--listen-client-urls", client,
                "--advertise-client-urls", client,
                "--listen-peer-urls", peer,
                "--initial-advertise-peer-urls", peer,
                "--initial-cluster", "lab=" + peer,
                "--initial-cluster-state", "new"), log);
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (Plumbing.httpStatus(ns, ip, CLIENT_PORT, "/health") != 200) {
            if (!p.isAlive()) {
                throw new CrossnetException("etcd exited with " + p.exitValue() + " while starting; last lines of "
                        + log + ":\n    " + Processes.tail(log, 15));
            }
            if (System.nanoTime() > deadline) {
                throw new CrossnetException("etcd on " + client + " was not healthy within " + START_TIMEOUT.toSeconds()
                        + "s; last lines of " + log + ":\n    " + Processes.tail(log, 15));
            }
            Processes.pause(50);
        }
        return new Started(p.pid(), "etcd://" + ip + ":" + CLIENT_PORT);
    }
}

package dev.crossnet.lab;

import dev.crossnet.CrossnetException;
import dev.crossnet.store.StoreException;
import dev.crossnet.store.etcd.EtcdLauncher;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * The lab's etcd: the project's one {@link EtcdLauncher}, run under {@code setsid nsenter
 * --net=<underlay>} so that a one-member etcd serves clients and peers on the underlay bridge's
 * address only (nothing in the root namespace, nothing on 0.0.0.0), in a session of its own so it
 * outlives {@code lab up} and ignores its Ctrl-C. {@code down} stops it by pid like every lab
 * process (its data directory is under the lab directory, which {@code down} removes).
 */
final class NsenterEtcd implements LabEtcd {
    private static final int PEER_PORT = 2380;

    @Override
    public Started start(String ns, String ip, Path dir) {
        URI client = URI.create("http://" + ip + ":" + CLIENT_PORT);
        // setsid and nsenter both exec, so the launcher's process is etcd itself.
        EtcdLauncher etcd = EtcdLauncher.builder(dir.resolve("data"), client, URI.create("http://" + ip + ":" + PEER_PORT))
                .commandPrefix(List.of("setsid", "nsenter", "--net=" + Plumbing.netnsPath(ns), "--"))
                .build();
        try {
            etcd.start();
        } catch (StoreException e) {
            throw new CrossnetException("lab etcd: " + e.getMessage(), e);
        }
        return new Started(etcd.pid(), "etcd://" + ip + ":" + CLIENT_PORT);
    }
}

package dev.crossnet.lab;

import java.nio.file.Path;

/**
 * How the lab gets a real etcd for {@code --store etcd}: the one seam between the lab and whoever
 * knows how to run etcd. {@link NsenterEtcd} runs the project's {@code EtcdLauncher} in the underlay
 * namespace; tests pass a failing one to check the lab's rollback.
 */
public interface LabEtcd {

    /** The etcd client port, on the underlay bridge's address. */
    int CLIENT_PORT = 2379;

    /**
     * Starts etcd inside namespace {@code ns}, serving clients on {@code http://ip:2379} only,
     * with its data and log under {@code dir}. Blocks until etcd answers {@code /health}.
     *
     * @return the running etcd; the lab records its pid and stops it (with everything else in the
     *     namespace) on {@code down}
     * @throws dev.crossnet.CrossnetException if etcd cannot be started or is not healthy in time
     */
    Started start(String ns, String ip, Path dir);

    /**
     * @param pid   the etcd process
     * @param store the store spec agents are given, {@code etcd://172.30.0.1:2379}
     */
    record Started(long pid, String store) {
    }
}

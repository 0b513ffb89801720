package dev.crossnet.cluster;

import java.net.URI;
import java.util.List;

/**
 * The membership of an etcd cluster: the seam between the join logic ({@link Membership}) and etcd
 * ({@link JetcdCluster}; a recording fake in unit tests). Methods block.
 */
public interface EtcdCluster extends AutoCloseable {

    /** One member as etcd reports it; {@code name} is empty for a member added but not started yet. */
    record Member(long id, String name, List<URI> peerUrls, List<URI> clientUrls, boolean learner) {
        public Member {
            peerUrls = List.copyOf(peerUrls);
            clientUrls = List.copyOf(clientUrls);
        }
    }

    List<Member> members();

    /**
     * etcd refused a membership change for now: its leader has not been connected to every voter
     * for long enough ("etcdserver: unhealthy cluster", e.g. just after a promotion). Worth retrying.
     */
    final class NotReadyException extends dev.crossnet.CrossnetException {
        public NotReadyException(String message) {
            super(message);
        }
    }

    /**
     * Adds a learner that will serve peers on {@code peerUrl}; returns it (without a name yet).
     *
     * @throws NotReadyException if etcd says the cluster is not ready for a change yet
     */
    Member addLearner(URI peerUrl);

    /**
     * Promotes learner {@code id} to a voter.
     *
     * @return false if etcd refused because the learner has not caught up with the leader yet
     * @throws dev.crossnet.CrossnetException for any other failure
     */
    boolean promote(long id);

    /** Removes member {@code id}. */
    void remove(long id);

    @Override
    void close();
}

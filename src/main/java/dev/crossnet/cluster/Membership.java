package dev.crossnet.cluster;

import dev.crossnet.CrossnetException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Carries out a {@link MemberPlan} on an {@link EtcdCluster}: promotes a waiting learner, adds the
 * joiner as a learner, and computes the {@code --initial-cluster} the joiner's etcd starts with.
 * Not thread-safe: the join endpoint admits one host at a time.
 */
public final class Membership {
    private final EtcdCluster cluster;
    private final Duration promoteLimit;
    private final LongSupplier nanoTime;
    private final Runnable pause;

    /**
     * @param promoteLimit how long a learner may take to catch up before promotion is given up
     * @param pause        waits a little between promotion attempts (a test passes a no-op)
     */
    public Membership(EtcdCluster cluster, Duration promoteLimit, LongSupplier nanoTime, Runnable pause) {
        this.cluster = cluster;
        this.promoteLimit = promoteLimit;
        this.nanoTime = nanoTime;
        this.pause = pause;
    }

    /**
     * What the joiner is told.
     *
     * @param plan           the plan carried out
     * @param memberId       the joiner's member id, 0 for a client
     * @param initialCluster etcd's {@code --initial-cluster} for the joiner, empty for a client
     * @param clientUrls     the voters' client URLs (learners serve no client requests)
     */
    public record Admission(MemberPlan plan, long memberId, String initialCluster, List<String> clientUrls) {
    }

    /**
     * Decides and carries out the joiner's role.
     *
     * @param name    the joiner's host name, its etcd member name
     * @param peerUrl where its etcd member will serve peers
     * @param target  the wanted number of members (odd)
     */
    public Admission admit(String name, URI peerUrl, int target) {
        List<EtcdCluster.Member> members = cluster.members();
        for (EtcdCluster.Member m : members) {
            if (m.peerUrls().contains(peerUrl)) {
                throw new CrossnetException("etcd already has a member with peer URL " + peerUrl + " (" + describe(m)
                        + "); remove the old host first: crossnet node rm " + (m.name().isEmpty() ? name : m.name()));
            }
        }
        int voters = (int) members.stream().filter(m -> !m.learner()).count();
        int learners = members.size() - voters;
        MemberPlan plan = MemberPlan.forJoiner(voters, learners, target);
        if (plan.promoteLearnerFirst()) {
            for (EtcdCluster.Member m : members) {
                if (m.learner()) {
                    awaitPromotion(m.id(), describe(m));
                }
            }
        }
        if (!plan.member()) {
            return new Admission(plan, 0, "", voterClientUrls(cluster.members()));
        }
        EtcdCluster.Member added = addLearner(peerUrl);
        List<EtcdCluster.Member> now = cluster.members();
        List<String> initial = new ArrayList<>();
        for (EtcdCluster.Member m : now) {
            if (m.id() == added.id()) {
                initial.add(name + "=" + peerUrl);
            } else if (!m.name().isEmpty()) {
                for (URI p : m.peerUrls()) {
                    initial.add(m.name() + "=" + p);
                }
            }
        }
        return new Admission(plan, added.id(), String.join(",", initial), voterClientUrls(now));
    }

    /**
     * Removes the member named {@code name} by the rule {@link MemberPlan#forLeaver} states, the
     * same for {@code leave} and {@code node rm}: a voter whose removal would leave 2 voters is
     * replaced by the waiting learner (promoted first), and refused if there is none, unless {@code
     * force}. Nothing changes when it is refused.
     *
     * @param who        for messages: {@code "node rm: h2's etcd member"}
     * @param justBefore runs once the removal is decided, before the member goes (a leaving host
     *                   deletes its records while its own member still serves)
     * @return the member removed; empty if {@code name} is no member (a client host)
     * @throws CrossnetException if refused, naming the ways out
     */
    public java.util.Optional<EtcdCluster.Member> removeByRule(String name, boolean force, String who, Runnable justBefore) {
        List<EtcdCluster.Member> members = cluster.members();
        java.util.Optional<EtcdCluster.Member> m = members.stream().filter(x -> x.name().equals(name)).findFirst();
        if (m.isEmpty()) {
            justBefore.run();
            return m;
        }
        int voters = (int) members.stream().filter(x -> !x.learner()).count();
        MemberPlan.Leaving plan = MemberPlan.forLeaver(!m.get().learner(), voters, members.size() - voters);
        if (plan == MemberPlan.Leaving.REFUSE && !force) {
            throw new CrossnetException(who + " is one of " + voters + " etcd voters; without it " + (voters - 1)
                    + " would be left, and 2 voters survive no failure. First join a host that takes its place (crossnet join"
                    + " --etcd-members " + (voters + 2) + " …: it waits as a learner and is promoted before " + name
                    + " is removed), or use --force");
        }
        if (plan == MemberPlan.Leaving.PROMOTE_LEARNER_THEN_REMOVE) {
            for (EtcdCluster.Member l : members) {
                if (l.learner()) {
                    awaitPromotion(l.id(), describe(l));
                }
            }
        }
        justBefore.run();
        cluster.remove(m.get().id());
        return m;
    }

    /**
     * Promotes learner {@code id}, retrying while etcd says it has not caught up.
     *
     * @throws CrossnetException if it is still behind after the limit
     */
    public void awaitPromotion(long id, String who) {
        long deadline = nanoTime.getAsLong() + promoteLimit.toNanos();
        while (!cluster.promote(id)) {
            if (nanoTime.getAsLong() > deadline) {
                throw new CrossnetException("etcd learner " + who + " has not caught up with the leader within "
                        + promoteLimit.toSeconds() + "s, so it cannot be promoted; is its etcd running and reachable on its peer URL?");
            }
            pause.run();
        }
    }

    /**
     * Adds the learner, retrying while etcd's leader says the cluster is not ready for a change (it
     * wants every voter connected for a few seconds first, which a voter promoted a moment ago is not).
     */
    private EtcdCluster.Member addLearner(URI peerUrl) {
        long deadline = nanoTime.getAsLong() + promoteLimit.toNanos();
        while (true) {
            try {
                return cluster.addLearner(peerUrl);
            } catch (EtcdCluster.NotReadyException e) {
                if (nanoTime.getAsLong() > deadline) {
                    throw new CrossnetException(e.getMessage() + " (still after " + promoteLimit.toSeconds() + "s)");
                }
                pause.run();
            }
        }
    }

    static List<String> voterClientUrls(List<EtcdCluster.Member> members) {
        List<String> out = new ArrayList<>();
        for (EtcdCluster.Member m : members) {
            if (!m.learner()) {
                m.clientUrls().forEach(u -> out.add(u.toString()));
            }
        }
        return out;
    }

    private static String describe(EtcdCluster.Member m) {
        return (m.name().isEmpty() ? "(not started)" : m.name()) + " " + Long.toHexString(m.id());
    }
}

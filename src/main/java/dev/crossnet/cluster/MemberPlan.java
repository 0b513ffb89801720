package dev.crossnet.cluster;

/**
 * Who a joining host becomes in the etcd cluster: pure policy, no I/O.
 *
 * <p>Rules: a joiner is a member while the cluster has fewer than {@code target} members (voters plus
 * learners; {@code target} is odd, 3 by default), otherwise a client. A member is added as a learner
 * (it votes on nothing until it has caught up) and promoted only when that makes the number of
 * voters odd: an even number of voters tolerates no more failures than one fewer, and a 2-voter
 * cluster none at all, so a cluster is never left with 2 voters. etcd allows one learner at a time,
 * so a learner waiting for a partner is promoted first, then the joiner is added and promoted:
 * <pre>
 * voters learners  joiner        steps
 *   1      0       member        add learner (stays a learner: 2 voters would be worse than 1)
 *   1      1       member        promote the learner, add the joiner, promote it   → 3 voters
 *   3      0       client        (target 3 reached)
 * </pre>
 *
 * @param member               whether the joiner runs an etcd member
 * @param promoteLearnerFirst  whether the learner already in the cluster is promoted before the joiner is added
 * @param promoteJoiner        whether the joiner is promoted once caught up
 */
public record MemberPlan(boolean member, boolean promoteLearnerFirst, boolean promoteJoiner) {
    public static final int DEFAULT_TARGET = 3;

    /**
     * @param voters   voting members now (at least 1)
     * @param learners learners now (etcd allows at most 1)
     * @param target   the wanted number of members, odd and at least 1
     */
    public static MemberPlan forJoiner(int voters, int learners, int target) {
        checkTarget("--etcd-members", target);
        if (voters < 1 || learners < 0) {
            throw new IllegalArgumentException("voters " + voters + ", learners " + learners);
        }
        if (voters + learners >= target) {
            return new MemberPlan(false, false, false);
        }
        boolean promoteFirst = learners > 0;
        int votersBefore = voters + (promoteFirst ? 1 : 0);
        boolean promoteJoiner = (votersBefore + 1) % 2 == 1;
        return new MemberPlan(true, promoteFirst, promoteJoiner);
    }

    /** @throws dev.crossnet.CrossnetException naming {@code flag} unless {@code n} is odd and positive */
    public static void checkTarget(String flag, int n) {
        if (n < 1 || n % 2 == 0) {
            throw new dev.crossnet.CrossnetException(flag + ": " + n + " must be odd and at least 1 (etcd needs a majority:"
                    + " an even number of members tolerates no more failures than one fewer)");
        }
    }

    /** What happens to the etcd cluster when a member leaves. */
    public enum Leaving { REMOVE, PROMOTE_LEARNER_THEN_REMOVE, REFUSE }

    /**
     * Whether a member may leave: a voter whose departure would leave 2 voters is replaced by the
     * waiting learner first if there is one, and otherwise refused (2 voters survive no failure;
     * the operator can add a host first, or force it).
     */
    public static Leaving forLeaver(boolean voter, int voters, int learners) {
        if (!voter || voters - 1 != 2) {
            return Leaving.REMOVE;
        }
        return learners > 0 ? Leaving.PROMOTE_LEARNER_THEN_REMOVE : Leaving.REFUSE;
    }
}

package dev.crossnet.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MemberPlanTest {

    @Test
    void secondHost_learnerNotPromoted_neverTwoVoters() {
        assertThat(MemberPlan.forJoiner(1, 0, 3)).isEqualTo(new MemberPlan(true, false, false));
    }

    @Test
    void thirdHost_promotesWaitingLearnerThenItself() {
        assertThat(MemberPlan.forJoiner(1, 1, 3)).isEqualTo(new MemberPlan(true, true, true));
    }

    @Test
    void fourthHost_client() {
        assertThat(MemberPlan.forJoiner(3, 0, 3)).isEqualTo(new MemberPlan(false, false, false));
    }

    @Test
    void twoVotersLeftAfterAFailure_joinerPromotedToThree() {
        assertThat(MemberPlan.forJoiner(2, 0, 3)).isEqualTo(new MemberPlan(true, false, true));
    }

    @Test
    void targetFive_fourthWaitsFifthPromotesBoth() {
        assertThat(MemberPlan.forJoiner(3, 0, 5)).isEqualTo(new MemberPlan(true, false, false));
        assertThat(MemberPlan.forJoiner(3, 1, 5)).isEqualTo(new MemberPlan(true, true, true));
        assertThat(MemberPlan.forJoiner(5, 0, 5).member()).isFalse();
    }

    @Test
    void targetOne_everyJoinerIsAClient() {
        assertThat(MemberPlan.forJoiner(1, 0, 1).member()).isFalse();
    }

    @Test
    void evenTarget_refusedNamingFlag() {
        assertThatThrownBy(() -> MemberPlan.forJoiner(1, 0, 4)).hasMessageContaining("--etcd-members: 4 must be odd");
        assertThatThrownBy(() -> MemberPlan.checkTarget("--etcd-members", 0)).hasMessageContaining("--etcd-members");
    }

    @Test
    void forLeaver_voterOfThree_refusedUnlessALearnerTakesItsPlace() {
        assertThat(MemberPlan.forLeaver(true, 3, 0)).isEqualTo(MemberPlan.Leaving.REFUSE);
        assertThat(MemberPlan.forLeaver(true, 3, 1)).isEqualTo(MemberPlan.Leaving.PROMOTE_LEARNER_THEN_REMOVE);
    }

    @Test
    void forLeaver_learnerOrClientOrLargerCluster_removed() {
        assertThat(MemberPlan.forLeaver(false, 3, 1)).isEqualTo(MemberPlan.Leaving.REMOVE);
        assertThat(MemberPlan.forLeaver(true, 5, 0)).isEqualTo(MemberPlan.Leaving.REMOVE);
        assertThat(MemberPlan.forLeaver(true, 2, 0)).isEqualTo(MemberPlan.Leaving.REMOVE);
    }
}

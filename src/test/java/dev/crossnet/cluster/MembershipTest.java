package dev.crossnet.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crossnet.CrossnetException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class MembershipTest {

    /** An etcd membership in memory: records calls; a learner refuses promotion {@code behind} times first. */
    static final class RecordingEtcdCluster implements EtcdCluster {
        final List<Member> members = new ArrayList<>();
        final List<String> calls = new ArrayList<>();
        int behind;
        int notReady;
        long nextId = 100;

        RecordingEtcdCluster voter(String name, String ip) {
            members.add(new Member(nextId++, name, List.of(URI.create(EtcdMemberEnv.peerUrl(ip))),
                    List.of(URI.create(EtcdMemberEnv.clientUrl(ip))), false));
            return this;
        }

        RecordingEtcdCluster learner(String name, String ip) {
            members.add(new Member(nextId++, name, List.of(URI.create(EtcdMemberEnv.peerUrl(ip))),
                    List.of(URI.create(EtcdMemberEnv.clientUrl(ip))), true));
            return this;
        }

        @Override
        public List<Member> members() {
            return List.copyOf(members);
        }

        @Override
        public Member addLearner(URI peerUrl) {
            if (notReady > 0) {
                notReady--;
                calls.add("add refused");
                throw new NotReadyException("etcdserver: unhealthy cluster");
            }
            calls.add("add " + peerUrl);
            Member m = new Member(nextId++, "", List.of(peerUrl), List.of(), true);
            members.add(m);
            return m;
        }

        @Override
        public boolean promote(long id) {
            if (behind > 0) {
                behind--;
                calls.add("promote " + id + " refused");
                return false;
            }
            calls.add("promote " + id);
            members.replaceAll(m -> m.id() == id ? new Member(m.id(), m.name(), m.peerUrls(), m.clientUrls(), false) : m);
            return true;
        }

        @Override
        public void remove(long id) {
            calls.add("remove " + id);
            members.removeIf(m -> m.id() == id);
        }

        @Override
        public void close() {
        }
    }

    static Membership membership(EtcdCluster c, AtomicLong clock) {
        return new Membership(c, Duration.ofSeconds(10), clock::get, () -> clock.addAndGet(Duration.ofSeconds(1).toNanos()));
    }

    @Test
    void admit_secondHost_addedAsLearner_initialClusterNamesBoth_endpointsVotersOnly() {
        RecordingEtcdCluster c = new RecordingEtcdCluster().voter("h1", "10.0.0.1");
        Membership.Admission a = membership(c, new AtomicLong()).admit("h2", URI.create("https://10.0.0.2:2380"), 3);
        assertThat(c.calls).containsExactly("add https://10.0.0.2:2380");
        assertThat(a.plan().promoteJoiner()).isFalse();
        assertThat(a.initialCluster()).isEqualTo("h1=https://10.0.0.1:2380,h2=https://10.0.0.2:2380");
        assertThat(a.clientUrls()).containsExactly("https://10.0.0.1:2379");
        assertThat(a.memberId()).isEqualTo(101);
    }

    @Test
    void admit_thirdHost_promotesWaitingLearnerFirst_retryingWhileBehind() {
        RecordingEtcdCluster c = new RecordingEtcdCluster().voter("h1", "10.0.0.1").learner("h2", "10.0.0.2");
        c.behind = 2;
        Membership.Admission a = membership(c, new AtomicLong()).admit("h3", URI.create("https://10.0.0.3:2380"), 3);
        assertThat(c.calls).containsExactly("promote 101 refused", "promote 101 refused", "promote 101", "add https://10.0.0.3:2380");
        assertThat(a.plan().promoteJoiner()).isTrue();
        assertThat(a.clientUrls()).containsExactly("https://10.0.0.1:2379", "https://10.0.0.2:2379");
        assertThat(a.initialCluster()).contains("h1=", "h2=", "h3=https://10.0.0.3:2380");
    }

    @Test
    void admit_learnerNeverCatchesUp_clearErrorAndJoinerNotAdded() {
        RecordingEtcdCluster c = new RecordingEtcdCluster().voter("h1", "10.0.0.1").learner("h2", "10.0.0.2");
        c.behind = Integer.MAX_VALUE;
        assertThatThrownBy(() -> membership(c, new AtomicLong()).admit("h3", URI.create("https://10.0.0.3:2380"), 3))
                .isInstanceOf(CrossnetException.class).hasMessageContaining("has not caught up");
        assertThat(c.calls).noneMatch(s -> s.startsWith("add"));
    }

    @Test
    void admit_fullCluster_clientNothingAdded() {
        RecordingEtcdCluster c = new RecordingEtcdCluster().voter("h1", "10.0.0.1").voter("h2", "10.0.0.2").voter("h3", "10.0.0.3");
        Membership.Admission a = membership(c, new AtomicLong()).admit("h4", URI.create("https://10.0.0.4:2380"), 3);
        assertThat(a.plan().member()).isFalse();
        assertThat(a.memberId()).isZero();
        assertThat(a.initialCluster()).isEmpty();
        assertThat(c.calls).isEmpty();
        assertThat(a.clientUrls()).hasSize(3);
    }

    @Test
    void admit_peerUrlAlreadyAMember_refusedNamingNodeRm() {
        RecordingEtcdCluster c = new RecordingEtcdCluster().voter("h1", "10.0.0.1").voter("h2", "10.0.0.2");
        assertThatThrownBy(() -> membership(c, new AtomicLong()).admit("h9", URI.create("https://10.0.0.2:2380"), 3))
                .hasMessageContaining("crossnet node rm h2");
        assertThat(c.calls).isEmpty();
    }

    @Test
    void admit_clusterNotReadyJustAfterPromotion_addRetried() {
        RecordingEtcdCluster c = new RecordingEtcdCluster().voter("h1", "10.0.0.1").learner("h2", "10.0.0.2");
        c.notReady = 2;
        Membership.Admission a = membership(c, new AtomicLong()).admit("h3", URI.create("https://10.0.0.3:2380"), 3);
        assertThat(c.calls).containsExactly("promote 101", "add refused", "add refused", "add https://10.0.0.3:2380");
        assertThat(a.memberId()).isEqualTo(102);
    }

    @Test
    void admit_clusterNeverReady_errorAfterTheLimit() {
        RecordingEtcdCluster c = new RecordingEtcdCluster().voter("h1", "10.0.0.1");
        c.notReady = Integer.MAX_VALUE;
        assertThatThrownBy(() -> membership(c, new AtomicLong()).admit("h2", URI.create("https://10.0.0.2:2380"), 3))
                .isInstanceOf(CrossnetException.class).hasMessageContaining("unhealthy cluster").hasMessageContaining("still after");
    }
    @Test
    void removeByRule_voterOfThreeWithNoLearner_refusedNamingTheWaysOut_nothingChanges() {
        RecordingEtcdCluster c = new RecordingEtcdCluster().voter("h1", "10.0.0.1").voter("h2", "10.0.0.2").voter("h3", "10.0.0.3");
        List<String> before = new ArrayList<>();
        assertThatThrownBy(() -> membership(c, new AtomicLong()).removeByRule("h2", false, "node rm: h2's etcd member",
                () -> before.add("records deleted")))
                .isInstanceOf(CrossnetException.class)
                .hasMessageStartingWith("node rm: h2's etcd member is one of 3 etcd voters; without it 2 would be left")
                .hasMessageContaining("crossnet join --etcd-members 5").hasMessageEndingWith("or use --force");
        assertThat(c.calls).isEmpty();
        assertThat(before).isEmpty();
        assertThat(c.members).hasSize(3);
    }

    @Test
    void removeByRule_voterOfThreeWithALearnerWaiting_promotesItThenRemoves() {
        RecordingEtcdCluster c = new RecordingEtcdCluster().voter("h1", "10.0.0.1").voter("h2", "10.0.0.2").voter("h3", "10.0.0.3")
                .learner("h4", "10.0.0.4");
        c.behind = 1;
        assertThat(membership(c, new AtomicLong()).removeByRule("h2", false, "node rm: h2's etcd member", () -> c.calls.add("records"))
                .map(EtcdCluster.Member::id)).contains(101L);
        assertThat(c.calls).containsExactly("promote 103 refused", "promote 103", "records", "remove 101");
        assertThat(c.members).extracting(EtcdCluster.Member::learner).containsOnly(false).hasSize(3);
    }

    @Test
    void removeByRule_forced_removesTheVoter() {
        RecordingEtcdCluster c = new RecordingEtcdCluster().voter("h1", "10.0.0.1").voter("h2", "10.0.0.2").voter("h3", "10.0.0.3");
        membership(c, new AtomicLong()).removeByRule("h3", true, "leave: this host's etcd member", () -> { });
        assertThat(c.calls).containsExactly("remove 102");
    }

    @Test
    void removeByRule_learnerOrVoterOfFive_removedAtOnce_aClientHostHasNoMember() {
        RecordingEtcdCluster c = new RecordingEtcdCluster().voter("h1", "10.0.0.1").voter("h2", "10.0.0.2").voter("h3", "10.0.0.3")
                .learner("h4", "10.0.0.4");
        Membership m = membership(c, new AtomicLong());
        m.removeByRule("h4", false, "x", () -> { });
        assertThat(c.calls).containsExactly("remove 103");
        List<String> ran = new ArrayList<>();
        assertThat(m.removeByRule("h9", false, "x", () -> ran.add("records"))).isEmpty();
        assertThat(ran).as("a client's records still go").containsExactly("records");

        RecordingEtcdCluster five = new RecordingEtcdCluster();
        for (int i = 1; i <= 5; i++) {
            five.voter("h" + i, "10.0.0." + i);
        }
        membership(five, new AtomicLong()).removeByRule("h5", false, "x", () -> { });
        assertThat(five.calls).containsExactly("remove 104");
    }
}

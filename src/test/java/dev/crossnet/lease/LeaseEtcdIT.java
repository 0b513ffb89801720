package dev.crossnet.lease;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crossnet.model.Lease;
import dev.crossnet.model.LeaseAttrs;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.model.Subnet;
import dev.crossnet.store.Store;
import dev.crossnet.store.etcd.EtcdStore;
import dev.crossnet.store.etcd.EtcdTestCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.lease.LeaseTimeToLiveResponse;
import io.etcd.jetcd.options.LeaseOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Lease allocation on a real etcd: the races and restarts of {@link LeaseRaceTest} and {@link SubnetManagerTest}. */
@Tag("integration")
class LeaseEtcdIT {
    static EtcdTestCluster etcd;

    @BeforeAll
    static void start() {
        etcd = EtcdTestCluster.start("lease-it");
    }

    @AfterAll
    static void stop() {
        if (etcd != null) {
            etcd.close();
        }
    }

    static String prefix() {
        return "/it-" + UUID.randomUUID();
    }

    static void config(String prefix, String json) {
        try (Store s = EtcdStore.connect(etcd.spec())) {
            new LeaseRegistry(s, prefix).setConfig(NetworkConfig.parse(json));
        }
    }

    @Test
    void twoHundredAgents_slash16_noDuplicates() throws Exception {
        String p = prefix();
        config(p, "{\"Network\":\"10.5.0.0/16\"}");
        List<String> got = LeaseRaceTest.race(() -> EtcdStore.connect(etcd.spec()), p, 200);
        assertThat(got).hasSize(200).doesNotHaveDuplicates().allMatch(s -> s.startsWith("10.5."));
    }

    @Test
    void poolOfThree_fourAgents_fourthGetsTheClearError() throws Exception {
        String p = prefix();
        config(p, "{\"Network\":\"10.0.0.0/26\",\"SubnetLen\":28}");
        List<String> got = LeaseRaceTest.race(() -> EtcdStore.connect(etcd.spec()), p, 4);
        assertThat(got).filteredOn(s -> !s.startsWith("ERR")).hasSize(3).doesNotHaveDuplicates();
        assertThat(got).filteredOn(s -> s.startsWith("ERR"))
                .containsExactly("ERR no free subnet in 10.0.0.0/26 for /28: 3 of 3 leased");
    }

    /** "TTL is etcd's": the lease key is attached to an etcd lease granted for the requested TTL, which etcd expires. */
    @Test
    void restart_samePublicIp_sameSubnet_andTtlIsEtcds() throws Exception {
        String p = prefix();
        config(p, "{\"Network\":\"10.5.0.0/16\"}");
        try (Store s = EtcdStore.connect(etcd.spec()); Client raw = etcd.rawClient()) {
            LeaseRegistry registry = new LeaseRegistry(s, p);
            SubnetManager m = new SubnetManager(registry, new Random());
            Instant start = Instant.now();
            Lease first = m.acquire(new LeaseAttrs("192.0.2.1", "vxlan", null), Duration.ofHours(24), null);
            m.acquire(new LeaseAttrs("192.0.2.2", "vxlan", null), Duration.ofHours(24), null);
            assertThat(first.expiration()).isBetween(start.plus(Duration.ofHours(24)).minusSeconds(1),
                    Instant.now().plus(Duration.ofHours(24)).plusSeconds(1));
            assertHeldByEtcdLease(raw, registry.leaseKey(first.subnet()), Duration.ofHours(24), start);

            Instant restart = Instant.now();
            Lease again = new SubnetManager(new LeaseRegistry(s, p), new Random())
                    .acquire(new LeaseAttrs("192.0.2.1", "vxlan", null), Duration.ofHours(24), null);
            assertThat(again.subnet()).isEqualTo(first.subnet());
            assertThat(new LeaseRegistry(s, p).leases().leases()).hasSize(2);
            assertHeldByEtcdLease(raw, registry.leaseKey(again.subnet()), Duration.ofHours(24), restart);
        }
    }

    /**
     * The key is attached to an etcd lease granted for {@code ttl} and (re)started no earlier than
     * {@code grantedAfter}: its remaining TTL is at least {@code ttl} minus the time since then.
     */
    private static void assertHeldByEtcdLease(Client raw, String key, Duration ttl, Instant grantedAfter) throws Exception {
        List<KeyValue> kvs = raw.getKVClient().get(bytes(key)).get(30, TimeUnit.SECONDS).getKvs();
        assertThat(kvs).as(key).hasSize(1);
        long leaseId = kvs.get(0).getLease();
        assertThat(leaseId).as("etcd lease of %s", key).isNotZero();
        LeaseTimeToLiveResponse ttlNow = raw.getLeaseClient().timeToLive(leaseId, LeaseOption.DEFAULT).get(30, TimeUnit.SECONDS);
        assertThat(ttlNow.getGrantedTTL()).as("granted TTL of %s", key).isEqualTo(ttl.toSeconds());
        long since = Duration.between(grantedAfter, Instant.now()).toSeconds() + 1; // etcd counts whole seconds
        assertThat(ttlNow.getTTL()).as("remaining TTL of %s", key).isBetween(ttl.toSeconds() - since, ttl.toSeconds());
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    /** flannel #1289 on etcd: the subnet.env hint never takes a subnet another host holds. */
    @Test
    void subnetEnvHintHeldByAnother_isNotTaken() {
        String p = prefix();
        config(p, "{\"Network\":\"10.5.0.0/16\"}");
        try (Store s = EtcdStore.connect(etcd.spec())) {
            LeaseRegistry reg = new LeaseRegistry(s, p);
            Subnet contested = Subnet.parse("10.5.77.0/24");
            reg.create(contested, new LeaseAttrs("192.0.2.9", "vxlan", null), Duration.ofHours(1)).orElseThrow();
            Lease l = new SubnetManager(reg, new Random()).acquire(new LeaseAttrs("192.0.2.1", "vxlan", null),
                    Duration.ofHours(1), contested);
            assertThat(l.subnet()).isNotEqualTo(contested);
            assertThat(reg.lease(contested).orElseThrow().attrs().publicIp()).isEqualTo("192.0.2.9");
        }
    }
}

package dev.crossnet.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.crossnet.model.Lease;
import dev.crossnet.model.LeaseAttrs;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.store.sqlite.SqliteStore;
import dev.crossnet.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LeaseRenewerTest {
    @TempDir
    Path dir;
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    SqliteStore store;
    LeaseRegistry registry;
    SubnetManager manager;

    @BeforeEach
    void setUp() {
        store = new SqliteStore(dir.resolve("store.db"), clock, Duration.ofMillis(10));
        registry = new LeaseRegistry(store, "/p");
        registry.setConfig(NetworkConfig.parse("{\"Network\":\"10.5.0.0/16\"}"));
        manager = new SubnetManager(registry, new Random(3));
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    @Test
    void renewsAtExpiryMinusMargin_andNotBefore() {
        Lease l = manager.acquire(new LeaseAttrs("192.0.2.1", "vxlan", null), Duration.ofHours(24), null);
        LeaseRenewer r = new LeaseRenewer(manager, clock, Duration.ofHours(24), Duration.ofMinutes(60), Duration.ofMinutes(1));
        r.hold(l);
        assertThat(r.nextAction()).isEqualTo(Instant.parse("2026-01-01T23:00:00Z"));

        clock.advance(Duration.ofHours(22).plusMinutes(59));
        assertThat(r.runIfDue().revision()).isEqualTo(l.revision());

        clock.advance(Duration.ofMinutes(1));
        Lease renewed = r.runIfDue();
        assertThat(renewed.revision()).isGreaterThan(l.revision());
        assertThat(renewed.expiration()).isEqualTo(Instant.parse("2026-01-02T23:00:00Z"));
        assertThat(r.nextAction()).isEqualTo(Instant.parse("2026-01-02T22:00:00Z"));
    }

    @Test
    void keepsTheLeaseAliveForDays() {
        Lease l = manager.acquire(new LeaseAttrs("192.0.2.1", "vxlan", null), Duration.ofHours(24), null);
        LeaseRenewer r = new LeaseRenewer(manager, clock, Duration.ofHours(24), Duration.ofMinutes(60), Duration.ofMinutes(1));
        r.hold(l);
        for (int hour = 0; hour < 24 * 5; hour++) {
            clock.advance(Duration.ofHours(1));
            r.runIfDue();
            assertThat(registry.lease(l.subnet())).as("hour %d", hour).isPresent();
        }
    }

    @Test
    void shortTtl_capsMarginAtHalf() {
        Lease l = manager.acquire(new LeaseAttrs("192.0.2.1", "vxlan", null), Duration.ofSeconds(10), null);
        LeaseRenewer r = new LeaseRenewer(manager, clock, Duration.ofSeconds(10), Duration.ofMinutes(60), Duration.ofSeconds(1));
        r.hold(l);
        assertThat(r.nextAction()).isEqualTo(clock.instant().plusSeconds(5));
    }

    @Test
    void storeFailure_retriesAfterInterval() {
        Lease l = manager.acquire(new LeaseAttrs("192.0.2.1", "vxlan", null), Duration.ofHours(24), null);
        LeaseRenewer r = new LeaseRenewer(manager, clock, Duration.ofHours(24), Duration.ofMinutes(60), Duration.ofMinutes(1));
        r.hold(l);
        store.close(); // every store call now fails
        clock.advance(Duration.ofHours(23));
        r.runIfDue();
        assertThat(r.nextAction()).isEqualTo(clock.instant().plus(Duration.ofMinutes(1)));
    }

    @Test
    void deletedBySomeoneElse_throwsLeaseLost() {
        Lease l = manager.acquire(new LeaseAttrs("192.0.2.1", "vxlan", null), Duration.ofHours(24), null);
        LeaseRenewer r = new LeaseRenewer(manager, clock, Duration.ofHours(24), Duration.ofMinutes(60), Duration.ofMinutes(1));
        r.hold(l);
        registry.delete(l.subnet());
        clock.advance(Duration.ofHours(23));
        assertThatThrownBy(r::runIfDue).isInstanceOf(SubnetManager.LeaseLostException.class);
    }

    @Test
    void permanentReservation_isNeverRenewed() {
        manager.reserve(dev.crossnet.model.Subnet.parse("10.5.3.0/24"), "192.0.2.1");
        Lease l = manager.acquire(new LeaseAttrs("192.0.2.1", "vxlan", null), Duration.ofHours(24), null);
        LeaseRenewer r = new LeaseRenewer(manager, clock, Duration.ofHours(24), Duration.ofMinutes(60), Duration.ofMinutes(1));
        r.hold(l);
        assertThat(r.nextAction()).isNull();
    }
}

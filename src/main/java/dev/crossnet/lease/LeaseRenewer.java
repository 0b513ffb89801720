package dev.crossnet.lease;

import dev.crossnet.model.Lease;
import dev.crossnet.store.StoreException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this host's lease alive: renews it at expiry minus the renew margin
 * ({@code --subnet-lease-renew-margin}, default 60 min, as flanneld), and after a failed attempt
 * retries every {@code retryInterval}. The margin is capped at half the TTL so that a short test TTL
 * does not renew in a tight loop. Driven by the caller: ask {@link #nextAction()}, wait, call
 * {@link #runIfDue()}. Not thread-safe: one agent thread owns it.
 */
public final class LeaseRenewer {
    private static final Logger log = LoggerFactory.getLogger(LeaseRenewer.class);

    private final SubnetManager manager;
    private final Clock clock;
    private final Duration ttl;
    private final Duration margin;
    private final Duration retryInterval;
    private Lease lease;
    private Instant retryAt;
    private long failures;

    public LeaseRenewer(SubnetManager manager, Clock clock, Duration ttl, Duration margin, Duration retryInterval) {
        this.manager = manager;
        this.clock = clock;
        this.ttl = ttl;
        Duration half = ttl.dividedBy(2);
        this.margin = margin.compareTo(half) > 0 ? half : margin;
        this.retryInterval = retryInterval;
    }

    /** Starts keeping {@code lease} (a fresh or re-acquired one). */
    public void hold(Lease lease) {
        this.lease = lease;
        this.retryAt = null;
    }

    public Lease lease() {
        return lease;
    }

    /** Renewals that failed on the store so far (each is retried after the retry interval). */
    public long failures() {
        return failures;
    }

    /** When {@link #runIfDue()} next has work, or null for a permanent reservation (nothing to renew). */
    public Instant nextAction() {
        if (lease == null || lease.isPermanent()) {
            return null;
        }
        return retryAt != null ? retryAt : lease.expiration().minus(margin);
    }

    /**
     * Renews the lease if it is due.
     *
     * @return the lease now held (renewed or unchanged)
     * @throws SubnetManager.LeaseLostException if someone else deleted or changed it; the caller re-acquires
     */
    public Lease runIfDue() {
        Instant due = nextAction();
        if (due == null || clock.instant().isBefore(due)) {
            return lease;
        }
        try {
            lease = manager.renew(lease, ttl);
            retryAt = null;
            log.info("renewed lease {} until {}", lease.subnet(), lease.expiration());
        } catch (StoreException e) {
            failures++;
            retryAt = clock.instant().plus(retryInterval);
            log.warn("renewing lease {} failed, retrying at {}: {}", lease.subnet(), retryAt, e.getMessage());
        }
        return lease;
    }
}

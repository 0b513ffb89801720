package dev.crossnet.lease;

import dev.crossnet.CrossnetException;
import dev.crossnet.model.Lease;
import dev.crossnet.model.LeaseAttrs;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.model.Subnet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which subnet a host gets, after flannel's {@code LocalManager}, with its known bugs fixed.
 *
 * <p>A host first gets back the lease that carries its PublicIP; then the subnet its subnet.env
 * names, if nobody holds it; then a random free one. Every claim is an atomic create or
 * compare-and-set in the store, so no path can take a subnet another host holds (flannel #1289)
 * and concurrent agents never get the same subnet: the loser of a race simply tries again.
 * Thread-safe; blocks on the store.
 */
public final class SubnetManager {
    private static final Logger log = LoggerFactory.getLogger(SubnetManager.class);
    /** How often a host retries after losing a race for a subnet before giving up. */
    static final int MAX_ATTEMPTS = 1000;
    /** Random probes before falling back to listing every free subnet. */
    private static final int RANDOM_PROBES = 64;

    private final LeaseRegistry registry;
    private final Random random;

    public SubnetManager(LeaseRegistry registry, Random random) {
        this.registry = registry;
        this.random = random;
    }

    public LeaseRegistry registry() {
        return registry;
    }

    /**
     * Acquires (or gets back) this host's lease.
     *
     * @param attrs    what to publish; {@code attrs.publicIp()} identifies the host
     * @param ttl      lease time to live; a permanent reservation keeps having none
     * @param previous the subnet from this host's subnet.env, or null
     * @throws PoolExhaustedException when no subnet is free
     */
    public Lease acquire(LeaseAttrs attrs, Duration ttl, Subnet previous) {
        NetworkConfig cfg = registry.config();
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            LeaseRegistry.LeaseSnapshot snap = registry.leases();
            Optional<Lease> got = tryAcquire(cfg, snap.leases(), attrs, ttl, previous);
            if (got.isPresent()) {
                return got.get();
            }
        }
        throw new CrossnetException("could not acquire a lease in " + cfg.network() + " after " + MAX_ATTEMPTS
                + " attempts: other hosts kept taking the chosen subnets");
    }

    private Optional<Lease> tryAcquire(NetworkConfig cfg, List<Lease> leases, LeaseAttrs attrs, Duration ttl,
                                       Subnet previous) {
        // 1. The lease that already carries our PublicIP: same host, restarted.
        for (Lease l : leases) {
            if (attrs.publicIp().equals(l.attrs().publicIp())) {
                if (!cfg.isLeasable(l.subnet())) {
                    log.warn("our old lease {} is outside the network config {} ({}); leaving it to expire",
                            l.subnet(), cfg.network(), "SubnetLen /" + cfg.subnetLen());
                    continue;
                }
                Optional<Lease> renewed = registry.update(l, attrs, l.isPermanent() ? null : ttl);
                if (renewed.isPresent()) {
                    log.info("got back lease {} by PublicIP {}", l.subnet(), attrs.publicIp());
                }
                return renewed;
            }
        }
        Set<Subnet> taken = new HashSet<>();
        for (Lease l : leases) {
            taken.add(l.subnet());
        }
        // 2. The subnet our subnet.env names, only if nobody holds it (an atomic create).
        if (previous != null && cfg.isLeasable(previous) && !taken.contains(previous)) {
            Optional<Lease> l = registry.create(previous, attrs, ttl);
            if (l.isPresent()) {
                log.info("got back lease {} from subnet.env", previous);
                return l;
            }
            return Optional.empty();
        }
        // 3. A random free subnet.
        Subnet pick = pickFree(cfg, taken);
        return registry.create(pick, attrs, ttl);
    }

    /** A random subnet of the pool not in {@code taken}. */
    Subnet pickFree(NetworkConfig cfg, Set<Subnet> taken) {
        long size = cfg.poolSize();
        long leased = taken.stream().filter(cfg::isLeasable).count();
        if (leased >= size) {
            throw new PoolExhaustedException("no free subnet in " + cfg.network() + " for /" + cfg.subnetLen()
                    + ": " + leased + " of " + size + " leased");
        }
        for (int i = 0; i < RANDOM_PROBES; i++) {
            Subnet s = cfg.subnetAt(Math.floorMod(random.nextLong(), size));
            if (!taken.contains(s)) {
                return s;
            }
        }
        List<Subnet> free = new ArrayList<>();
        for (long i = 0; i < size; i++) {
            Subnet s = cfg.subnetAt(i);
            if (!taken.contains(s)) {
                free.add(s);
            }
        }
        return free.get(random.nextInt(free.size()));
    }

    /**
     * Extends a lease, only if it is still the one we hold (compare-and-set on its revision).
     *
     * @throws LeaseLostException if it was deleted or changed by someone else
     */
    public Lease renew(Lease lease, Duration ttl) {
        return registry.update(lease, lease.attrs(), lease.isPermanent() ? null : ttl)
                .orElseThrow(() -> new LeaseLostException(lease.subnet()));
    }

    /**
     * Reserves {@code subnet} for {@code publicIp} permanently (no TTL). A lease the same host holds
     * becomes permanent; one held by another host is refused.
     */
    public Lease reserve(Subnet subnet, String publicIp) {
        NetworkConfig cfg = registry.config();
        if (!cfg.isLeasable(subnet)) {
            throw new CrossnetException("SUBNET: " + subnet + " is not a leasable /" + cfg.subnetLen() + " of "
                    + cfg.network() + " (SubnetMin " + cfg.subnetMin() + ", SubnetMax " + cfg.subnetMax()
                    + "; the first subnet is never handed out)");
        }
        LeaseAttrs fresh = new LeaseAttrs(publicIp, null, null);
        Optional<Lease> cur = registry.lease(subnet);
        if (cur.isEmpty()) {
            return registry.create(subnet, fresh, null).orElseThrow(
                    () -> new CrossnetException("SUBNET: " + subnet + " was leased by another host meanwhile"));
        }
        Lease l = cur.get();
        if (!publicIp.equals(l.attrs().publicIp())) {
            throw new CrossnetException("SUBNET: " + subnet + " is held by " + l.attrs().publicIp());
        }
        return registry.update(l, l.attrs(), null).orElseThrow(
                () -> new CrossnetException("SUBNET: " + subnet + " changed while reserving it; try again"));
    }

    /** Deletes the lease of {@code subnet}. @throws CrossnetException if there is none */
    public void release(Subnet subnet) {
        if (!registry.delete(subnet)) {
            throw new CrossnetException("SUBNET: no lease for " + subnet + " in " + registry.store().endpoint());
        }
    }

    /** The lease was deleted or taken over while we held it. */
    public static final class LeaseLostException extends CrossnetException {
        private final Subnet subnet;

        public LeaseLostException(Subnet subnet) {
            super("lease " + subnet + " was deleted or changed by someone else");
            this.subnet = subnet;
        }

        public Subnet subnet() {
            return subnet;
        }
    }
}
